CREATE TABLE `ledger_totals` (
	`key` text PRIMARY KEY NOT NULL,
	`amount` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `ledger_totals` (`key`, `amount`) SELECT 'balance', sum(`amount`) FROM `ledger` HAVING count(*) > 0;--> statement-breakpoint
INSERT INTO `ledger_totals` (`key`, `amount`) SELECT 'spent:workspace:' || strftime('%Y-%m', `at` / 1000, 'unixepoch'), -sum(`amount`) FROM `ledger` WHERE `kind` = 'usage' GROUP BY 1;--> statement-breakpoint
INSERT INTO `ledger_totals` (`key`, `amount`) SELECT 'spent:key:' || `principal_id` || ':' || strftime('%Y-%m', `at` / 1000, 'unixepoch'), -sum(`amount`) FROM `ledger` WHERE `kind` = 'usage' AND `principal_id` IS NOT NULL GROUP BY 1;--> statement-breakpoint
INSERT INTO `ledger_totals` (`key`, `amount`) SELECT 'spent:project:' || `project_id` || ':' || strftime('%Y-%m', `at` / 1000, 'unixepoch'), -sum(`amount`) FROM `ledger` WHERE `kind` = 'usage' AND `project_id` IS NOT NULL GROUP BY 1;--> statement-breakpoint
INSERT INTO `ledger_totals` (`key`, `amount`) SELECT 'spent:task:' || `task_id`, -sum(`amount`) FROM `ledger` WHERE `kind` = 'usage' AND `task_id` IS NOT NULL GROUP BY 1;
