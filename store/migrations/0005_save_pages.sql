-- 0005: one page fewer written by every save (issue 18: the durable save).

-- outbox_order was a b-tree of its own, so every save wrote a page of it
-- beside the outbox's. The outbox holds only what awaits the hub (none to
-- a few hundred entries, thousands after weeks offline), and NextOutbox
-- sorts its small rows (the priority, enqueue time and the envelope's seq,
-- which the envelope id's index holds) before it reads any envelope, so
-- the index bought little and cost a page write in every save.
DROP INDEX outbox_order;
