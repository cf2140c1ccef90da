package store

import (
	"context"
	"os"
	"strconv"
)

// The WAL's space is allocated before saves need it (issue 18: the durable
// save's latency). A commit that appends to the WAL file makes its fsync
// carry the file system's own journal commit (new blocks, a new size) as
// well as the frames; a commit that rewrites blocks the WAL already has
// waits for the frames alone. Measured here (load about 10) with 52 KB, one
// save's frames, per fsync: 0.59-0.70 ms appending, 0.37 ms rewriting
// written blocks, and 0.48-0.51 ms for blocks fallocate'd but never written
// (ext4 still records them as written on the first write). SQLite reuses the WAL file from its
// start once a checkpoint has copied every frame back, but the WAL is
// created empty each time the store opens and after Dispose empties it, so
// without this every save of a session appended to it until the WAL had
// grown to its size limit.
//
// fillWAL therefore writes zeros after the WAL's end up to walSizeLimit,
// the size SQLite cuts it back to, and syncs them once. The zeros are never
// read as frames: SQLite knows the WAL's length from its index, and the
// recovery after a crash stops at the first frame whose salt and checksum
// do not follow the WAL header's, which a zero frame never does (stale
// frames after a restart are told apart the same way). Durability is
// unchanged: each commit still fsyncs the WAL before it returns.
//
// It holds the write transaction while it writes, so that no commit
// appends to the WAL meanwhile (it only ever writes past the end that
// commits have reached), and it writes in pieces so that Close need not
// wait for all of it. SQLite takes no locks on the WAL file itself, so its
// own handle is unaffected by this one's. On a disk that cannot take it
// (full, read-only) it gives back what it wrote and is not tried again
// until the store is opened again: the space is the database's first.
const walFillPiece = 1 << 20

// fillWAL fills the WAL as described above when it is short. It reports
// false when the fill failed and should not be tried again.
func (s *Store) fillWAL(ctx context.Context) bool {
	wal := s.path + "-wal"
	if fi, err := os.Stat(wal); err != nil || fi.Size() >= walSizeLimit {
		// No WAL yet (the first write creates it) or already long enough.
		return true
	}
	// BEGIN IMMEDIATE: the WAL's write lock. Not under ctx, which Close
	// cancels: database/sql would then roll the transaction back at once,
	// handing the lock to a save while a piece of zeros was still being
	// written past the end that save appends at. ctx is looked at between
	// pieces instead, and the lock is given back only after the last one.
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		return true // busy: the next pause tries again
	}
	defer tx.Rollback() //nolint:errcheck // nothing was written through it
	if ctx.Err() != nil {
		return true
	}
	f, err := os.OpenFile(wal, os.O_WRONLY, 0)
	if err != nil {
		return os.IsNotExist(err) // gone meanwhile: SQLite makes it again
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	end := fi.Size()
	zeros := make([]byte, walFillPiece)
	for off := end; off < walSizeLimit; off += walFillPiece {
		if ctx.Err() != nil {
			return true // closing: what was written is past the WAL's end, harmless
		}
		n := min(int64(walFillPiece), walSizeLimit-off)
		if _, err := f.WriteAt(zeros[:n], off); err != nil {
			_ = f.Truncate(end)
			return false
		}
	}
	if err := f.Sync(); err != nil {
		_ = f.Truncate(end)
		return false
	}
	return true
}

// restartWAL makes SQLite start the WAL again from its beginning now, in
// the background, rather than in the next save. After a checkpoint has
// copied every frame back, the next transaction to commit writes a new WAL
// header at the start of the file and fsyncs it before its own frames
// (SQLite orders the two so that a crash cannot mix frames of the old and
// new WAL), so a save after a pause cost two fsyncs, not one: and in use,
// with saves seconds apart, every save comes after a pause. This commits a
// transaction that changes nothing: it rewrites the database header's
// application id with the value it has (SQLite writes the header page
// even so, which an UPDATE to the same values would not), in one write
// transaction so that nothing can change it meanwhile. The store does not
// use the application id. If it fails the next save restarts the WAL, as
// before.
func (s *Store) restartWAL(ctx context.Context) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return
	}
	var id int64
	if err := tx.QueryRowContext(ctx, "PRAGMA application_id").Scan(&id); err != nil {
		_ = tx.Rollback()
		return
	}
	if _, err := tx.ExecContext(ctx, "PRAGMA application_id = "+strconv.FormatInt(id, 10)); err != nil {
		_ = tx.Rollback()
		return
	}
	_ = tx.Commit()
}
