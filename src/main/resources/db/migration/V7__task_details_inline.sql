-- A task's details (input, result, message) move into its row. A show then reads two B-trees (the id index and the
-- row) instead of four, and a claim, a progress report or a finish writes one row instead of two. At 10^6 tasks the
-- show's extra page reads were most of its cost. The copy rewrites every row once: seconds for 10^6 tasks.

ALTER TABLE tasks ADD COLUMN input TEXT;
ALTER TABLE tasks ADD COLUMN result TEXT;
ALTER TABLE tasks ADD COLUMN message TEXT NOT NULL DEFAULT '';

UPDATE tasks SET input = i.input, result = i.result, message = i.message FROM task_info i WHERE i.task_id = tasks.id;

DROP TABLE task_info;
