-- SessionStores.MySql schema version 1 for `sessions` (MySQL 8, MariaDB 10.6+)
CREATE TABLE IF NOT EXISTS `sessions` (
    id            VARCHAR(256) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    data          LONGBLOB NOT NULL,
    version       BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    subject       VARBINARY(768) NULL,
    PRIMARY KEY (id),
    KEY expires_idx (expires_at_ms),
    KEY subject_idx (subject, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT='SessionStores.MySql schema 1';
CREATE TABLE IF NOT EXISTS `sessions_leases` (
    id            VARCHAR(256) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    owner         VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    fence         BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    PRIMARY KEY (id),
    KEY expires_idx (expires_at_ms)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin COMMENT='SessionStores.MySql schema 1 leases';
