-- 0003: RESERVED. Migration 0003 belongs to the hub disposal and tombstones
-- work (issue 18 brief); this placeholder only keeps the version numbers
-- contiguous on the branch that adds 0004. When the branches are merged,
-- the real 0003 replaces this file: delete this one.
SELECT 1;
