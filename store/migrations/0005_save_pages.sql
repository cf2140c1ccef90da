-- 0005: one page fewer written by every save (issue 18: the durable save).

-- outbox_order was a b-tree of its own, so every save wrote a page of it
-- beside the outbox's. The outbox holds only what awaits the hub (none to
-- a few hundred entries, thousands after weeks offline), and NextOutbox
-- sorts its small rows (the priority, enqueue time and the envelope's seq,
-- which the envelope id's index holds) before it reads any envelope, so
-- the index bought little and cost a page write in every save. The price:
-- with 10,000 entries queued, NextOutbox took 6-20 ms a call (2-11 ms with
-- the index; load about 7 on two cores), a call per push batch of 200.
-- Measured, the page cost a save about 15 us (store saves interleaved).
DROP INDEX outbox_order;
