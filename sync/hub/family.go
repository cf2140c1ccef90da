package hub

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"

	"safeguard/companion/crypto"
)

// A record's family on the hub (issue 16): the record and every envelope
// whose signed routing header names it, or one of them, as its parent
// (addenda, reviews, later versions, retention facts). The hub keeps the
// link in the parents table when an envelope is pushed, so a tombstone
// empties the whole family, including what was sealed only to managers and
// never reached the approving DSL's device, and refuses anything pushed
// under a record disposed of.

// withParents is ids with the parents the items name, for the disposal
// check: an envelope under a record disposed of is refused like the record.
func withParents(items []Item, ids []string) []string {
	out := slices.Clone(ids)
	for _, it := range items {
		if it.Parent != "" {
			out = append(out, it.Parent)
		}
	}
	return out
}

// pushedUnder names the pushed envelope a disposed id refuses: the one
// with that id, or the first whose parent it is.
func pushedUnder(items []Item, disposed string) string {
	for _, it := range items {
		if it.ID == disposed || it.Parent == disposed {
			return it.ID
		}
	}
	return disposed
}

// seeds are the ids a family is gathered from: the record and every
// envelope the tombstone names.
func seeds(d Disposal) []string {
	out := append([]string{d.RecordID}, d.Envelopes...)
	slices.Sort(out)
	return slices.Compact(out)
}

// sqliteFamily is every envelope id the disposal takes on SQLite.
func sqliteFamily(ctx context.Context, tx *sql.Tx, d Disposal) ([]string, error) {
	js, err := json.Marshal(seeds(d))
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `WITH RECURSIVE fam(id) AS (
		SELECT value FROM json_each(?)
		UNION SELECT p.envelope_id FROM parents p JOIN fam ON p.parent_id = fam.id)
		SELECT id FROM fam ORDER BY id`, string(js))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// pgFamily is every envelope id the disposal takes on PostgreSQL.
func pgFamily(ctx context.Context, tx pgx.Tx, d Disposal) ([]string, error) {
	rows, err := tx.Query(ctx, `WITH RECURSIVE fam(id) AS (
		SELECT unnest($1::text[])
		UNION SELECT p.envelope_id FROM parents p JOIN fam ON p.parent_id = fam.id)
		SELECT id FROM fam ORDER BY id`, seeds(d))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// parentsBackfilled is the config key set once the envelopes pushed before
// migration 0003 have had their parents read from their headers.
const parentsBackfilled = "parents_backfilled"

// parentOf reads an envelope's parent from its routing header (verified
// when it was pushed); "" for none or an envelope that no longer parses.
func parentOf(data []byte) string {
	env, err := crypto.ParseEnvelope(data)
	if err != nil {
		return ""
	}
	return env.Header().ParentID
}

// backfillSQLiteParents reads, once, the parents of the envelopes pushed
// before the hub kept them.
func backfillSQLiteParents(ctx context.Context, w *sql.DB) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	err = backfillParents(backfillTx{
		query: func(q string, args ...any) (backfillRows, func(), error) {
			rows, err := tx.QueryContext(ctx, q, args...)
			if err != nil {
				return nil, nil, err
			}
			return rows, func() { rows.Close() }, nil
		},
		exec: func(q string, args ...any) error {
			_, err := tx.ExecContext(ctx, q, args...)
			return err
		},
		backfilled: "SELECT EXISTS (SELECT 1 FROM config WHERE key = ?)",
		page:       "SELECT seq, id, data FROM envelopes WHERE seq > ? AND length(data) > 0 ORDER BY seq LIMIT 500",
		link:       "INSERT INTO parents (envelope_id, parent_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
		done:       "INSERT INTO config (key, value) VALUES (?, ?)",
	})
	if err != nil {
		return err
	}
	return tx.Commit()
}

// backfillPostgresParents is backfillSQLiteParents on PostgreSQL, in the
// migration's transaction.
func backfillPostgresParents(ctx context.Context, tx pgx.Tx) error {
	return backfillParents(backfillTx{
		query: func(q string, args ...any) (backfillRows, func(), error) {
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return nil, nil, err
			}
			return rows, rows.Close, nil
		},
		exec: func(q string, args ...any) error {
			_, err := tx.Exec(ctx, q, args...)
			return err
		},
		backfilled: "SELECT EXISTS (SELECT 1 FROM config WHERE key = $1)",
		page:       "SELECT seq, id, data FROM envelopes WHERE seq > $1 AND octet_length(data) > 0 ORDER BY seq LIMIT 500",
		link:       "INSERT INTO parents (envelope_id, parent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
		done:       "INSERT INTO config (key, value) VALUES ($1, $2)",
	})
}

// backfillRows is what the backfill reads of a query's rows: *sql.Rows and
// pgx.Rows both have it.
type backfillRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// backfillTx is one backend's transaction as the backfill uses it: query
// and exec run SQL in it, and the statements are in the backend's dialect.
type backfillTx struct {
	query func(q string, args ...any) (rows backfillRows, close func(), err error)
	exec  func(q string, args ...any) error
	// backfilled says whether config holds key $1; page reads seq, id and
	// data of the next 500 envelopes with data after seq $1; link keeps
	// envelope $1's parent $2; done sets config key $1 to $2.
	backfilled, page, link, done string
}

// backfillParents reads the parents of the envelopes pushed before the hub
// kept them (migration 0003) from their headers, 500 at a time, and keeps
// each link, unless config says it has been done; then it says so there.
// Both backends run it in one transaction.
func backfillParents(tx backfillTx) error {
	rows, closeRows, err := tx.query(tx.backfilled, parentsBackfilled)
	if err != nil {
		return err
	}
	var backfilled bool
	for rows.Next() {
		err = rows.Scan(&backfilled)
	}
	closeRows()
	if err = errors.Join(err, rows.Err()); err != nil || backfilled {
		return err
	}
	for after := int64(0); ; {
		rows, closeRows, err := tx.query(tx.page, after)
		if err != nil {
			return err
		}
		var links [][2]string
		n := 0
		for rows.Next() {
			var id string
			var data []byte
			if err := rows.Scan(&after, &id, &data); err != nil {
				closeRows()
				return err
			}
			n++
			if p := parentOf(data); p != "" {
				links = append(links, [2]string{id, p})
			}
		}
		closeRows()
		if err := rows.Err(); err != nil {
			return err
		}
		// Written once the rows are closed: the transaction's one
		// connection is busy while they are read.
		for _, l := range links {
			if err := tx.exec(tx.link, l[0], l[1]); err != nil {
				return err
			}
		}
		if n == 0 {
			break
		}
	}
	return tx.exec(tx.done, parentsBackfilled, []byte("1"))
}
