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
	var one int
	err = tx.QueryRowContext(ctx, "SELECT 1 FROM config WHERE key = ?", parentsBackfilled).Scan(&one)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	for after := int64(0); ; {
		rows, err := tx.QueryContext(ctx, "SELECT seq, id, data FROM envelopes WHERE seq > ? AND length(data) > 0 ORDER BY seq LIMIT 500", after)
		if err != nil {
			return err
		}
		var links [][2]string
		n := 0
		for rows.Next() {
			var id string
			var data []byte
			if err := rows.Scan(&after, &id, &data); err != nil {
				rows.Close()
				return err
			}
			n++
			if p := parentOf(data); p != "" {
				links = append(links, [2]string{id, p})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, l := range links {
			if _, err := tx.ExecContext(ctx, "INSERT INTO parents (envelope_id, parent_id) VALUES (?, ?) ON CONFLICT DO NOTHING", l[0], l[1]); err != nil {
				return err
			}
		}
		if n == 0 {
			break
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO config (key, value) VALUES (?, ?)", parentsBackfilled, []byte("1")); err != nil {
		return err
	}
	return tx.Commit()
}

// backfillPostgresParents is backfillSQLiteParents on PostgreSQL, in the
// migration's transaction.
func backfillPostgresParents(ctx context.Context, tx pgx.Tx) error {
	var one int
	err := tx.QueryRow(ctx, "SELECT 1 FROM config WHERE key = $1", parentsBackfilled).Scan(&one)
	if err == nil {
		return nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	for after := int64(0); ; {
		rows, err := tx.Query(ctx, "SELECT seq, id, data FROM envelopes WHERE seq > $1 AND octet_length(data) > 0 ORDER BY seq LIMIT 500", after)
		if err != nil {
			return err
		}
		var links [][]any
		n := 0
		for rows.Next() {
			var id string
			var data []byte
			if err := rows.Scan(&after, &id, &data); err != nil {
				rows.Close()
				return err
			}
			n++
			if p := parentOf(data); p != "" {
				links = append(links, []any{id, p})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, l := range links {
			if _, err := tx.Exec(ctx, "INSERT INTO parents (envelope_id, parent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", l...); err != nil {
				return err
			}
		}
		if n == 0 {
			break
		}
	}
	_, err = tx.Exec(ctx, "INSERT INTO config (key, value) VALUES ($1, $2)", parentsBackfilled, []byte("1"))
	return err
}
