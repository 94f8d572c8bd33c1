-- Full-text search over messages and thread titles (search.query; docs/architecture.md,
-- "Search"). SQLite FTS5 tables kept in sync by triggers, so every write path (a person's
-- message, an agent's reply, a gateway's imported history, a rename) updates the index in
-- the same transaction as the row. The text is stored without the control characters
-- search.ts uses to mark matches in snippets, so a message cannot forge a match.
CREATE VIRTUAL TABLE `search_messages` USING fts5(`body`, tokenize = 'unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_threads` USING fts5(`title`, `thread_id` UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `search_messages_insert` AFTER INSERT ON `messages` BEGIN
  INSERT INTO `search_messages` (rowid, `body`)
  VALUES (new.`n`, replace(replace(CASE WHEN json_valid(new.`doc`) THEN ifnull(json_extract(new.`doc`, '$.text'), '') ELSE '' END, char(2), ' '), char(3), ' '));
END;
--> statement-breakpoint
CREATE TRIGGER `search_messages_delete` AFTER DELETE ON `messages` BEGIN
  DELETE FROM `search_messages` WHERE rowid = old.`n`;
END;
--> statement-breakpoint
CREATE TRIGGER `search_threads_insert` AFTER INSERT ON `threads` BEGIN
  INSERT INTO `search_threads` (`title`, `thread_id`)
  VALUES (replace(replace(CASE WHEN json_valid(new.`doc`) THEN ifnull(json_extract(new.`doc`, '$.title'), '') ELSE '' END, char(2), ' '), char(3), ' '), new.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `search_threads_update` AFTER UPDATE OF `doc` ON `threads`
WHEN NOT json_valid(old.`doc`) OR NOT json_valid(new.`doc`) OR json_extract(old.`doc`, '$.title') IS NOT json_extract(new.`doc`, '$.title') BEGIN
  DELETE FROM `search_threads` WHERE `thread_id` = old.`id`;
  INSERT INTO `search_threads` (`title`, `thread_id`)
  VALUES (replace(replace(CASE WHEN json_valid(new.`doc`) THEN ifnull(json_extract(new.`doc`, '$.title'), '') ELSE '' END, char(2), ' '), char(3), ' '), new.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `search_threads_delete` AFTER DELETE ON `threads` BEGIN
  DELETE FROM `search_threads` WHERE `thread_id` = old.`id`;
END;
--> statement-breakpoint
-- Rooms that already hold messages and threads: index them now.
INSERT INTO `search_messages` (rowid, `body`)
SELECT `n`, replace(replace(CASE WHEN json_valid(`doc`) THEN ifnull(json_extract(`doc`, '$.text'), '') ELSE '' END, char(2), ' '), char(3), ' ') FROM `messages`;
--> statement-breakpoint
INSERT INTO `search_threads` (`title`, `thread_id`)
SELECT replace(replace(CASE WHEN json_valid(`doc`) THEN ifnull(json_extract(`doc`, '$.title'), '') ELSE '' END, char(2), ' '), char(3), ' '), `id` FROM `threads`;
