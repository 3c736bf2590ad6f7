CREATE SCHEMA IF NOT EXISTS `xorq_physical`;

CREATE TABLE IF NOT EXISTS `xorq_physical`.`_xorq_environments` (`env` STRING, `model` STRING, `view_name` STRING, `relation` STRING, `relation_key` STRING, `materialized` STRING, `row_count` INT64, `updated_at` STRING);

SELECT table_name, table_type FROM `xorq_physical`.INFORMATION_SCHEMA.TABLES;

SELECT `env`, `model`, `view_name`, `relation`, `relation_key`, `materialized`, `row_count`, `updated_at` FROM `xorq_physical`.`_xorq_environments`;

CREATE TABLE `xorq_physical`.`_xorq_tmp_5f3a9c0e1b2d4f6a8c0e_0a1b2c3d` AS
SELECT 'north' AS region, 3 AS n;

ALTER TABLE `xorq_physical`.`_xorq_tmp_5f3a9c0e1b2d4f6a8c0e_0a1b2c3d` RENAME TO `marts__orders_by_region__5f3a9c0e1b2d4f6a8c0e`;

DROP TABLE IF EXISTS `xorq_physical`.`_xorq_tmp_5f3a9c0e1b2d4f6a8c0e_0a1b2c3d`;

CREATE VIEW `xorq_physical`.`marts__big_regions__5f3a9c0e1b2d4f6a8c0e` AS
SELECT * FROM `xorq_physical`.`marts__orders_by_region__5f3a9c0e1b2d4f6a8c0e` WHERE n > 1;

CREATE SCHEMA IF NOT EXISTS `marts`;

CREATE OR REPLACE VIEW `marts`.`orders_by_region` AS SELECT * FROM `xorq_physical`.`marts__orders_by_region__5f3a9c0e1b2d4f6a8c0e`;

DELETE FROM `xorq_physical`.`_xorq_environments` WHERE `env` = 'prod' AND `model` = 'orders_by_region';

INSERT INTO `xorq_physical`.`_xorq_environments` (`env`, `model`, `view_name`, `relation`, `relation_key`, `materialized`, `row_count`, `updated_at`) VALUES ('prod', 'orders_by_region', 'marts.orders_by_region', 'marts__orders_by_region__5f3a9c0e1b2d4f6a8c0e', '5f3a9c0e1b2d4f6a8c0e1b2d4f6a8c0e1b2d4f6a8c0e1b2d4f6a8c0e1b2d4f6a', 'table', 3, '2026-01-02T03:04:05.000Z');

CREATE SCHEMA IF NOT EXISTS `marts__ci`;

CREATE OR REPLACE VIEW `marts__ci`.`orders_by_region` AS SELECT * FROM `xorq_physical`.`marts__orders_by_region__5f3a9c0e1b2d4f6a8c0e`;

DELETE FROM `xorq_physical`.`_xorq_environments` WHERE `env` = 'ci' AND `model` = 'orders_by_region';

INSERT INTO `xorq_physical`.`_xorq_environments` (`env`, `model`, `view_name`, `relation`, `relation_key`, `materialized`, `row_count`, `updated_at`) VALUES ('ci', 'orders_by_region', 'marts__ci.orders_by_region', 'marts__orders_by_region__5f3a9c0e1b2d4f6a8c0e', '5f3a9c0e1b2d4f6a8c0e1b2d4f6a8c0e1b2d4f6a8c0e1b2d4f6a8c0e1b2d4f6a', 'table', 3, '2026-01-02T03:04:05.000Z');

CREATE TABLE `xorq_physical`.`_xorq_tmp_5f3a9c0e1b2d4f6a8c0e_0a1b2c3d` AS
SELECT 'south' AS region, 4 AS n;

DELETE FROM `xorq_physical`.`marts__orders_by_region__5f3a9c0e1b2d4f6a8c0e` WHERE TRUE;

INSERT INTO `xorq_physical`.`marts__orders_by_region__5f3a9c0e1b2d4f6a8c0e` SELECT * FROM `xorq_physical`.`_xorq_tmp_5f3a9c0e1b2d4f6a8c0e_0a1b2c3d`;

DROP TABLE IF EXISTS `xorq_physical`.`_xorq_tmp_5f3a9c0e1b2d4f6a8c0e_0a1b2c3d`;

DROP VIEW IF EXISTS `marts__ci`.`orders_by_region`;

DELETE FROM `xorq_physical`.`_xorq_environments` WHERE `env` = 'ci' AND `model` = 'orders_by_region';

SELECT table_name, table_type FROM `marts__ci`.INFORMATION_SCHEMA.TABLES;

DROP SCHEMA IF EXISTS `marts__ci` RESTRICT;

SELECT table_name, view_definition FROM `xorq_physical`.INFORMATION_SCHEMA.VIEWS;

DROP VIEW IF EXISTS `xorq_physical`.`marts__big_regions__5f3a9c0e1b2d4f6a8c0e`;
