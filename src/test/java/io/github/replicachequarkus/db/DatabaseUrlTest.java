package io.github.replicachequarkus.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseUrlTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            postgres://app:secret@db.flycast:5432/app?sslmode=disable | jdbc:postgresql://db.flycast:5432/app?sslmode=disable | app | secret
            postgresql://u:p%40ss%2Bw0rd@localhost/db                 | jdbc:postgresql://localhost/db                        | u   | p@ss+w0rd
            postgres://me@[::1]:6543/x                                  | jdbc:postgresql://[::1]:6543/x                        | me  |
            """)
    void flyStyleUrlsBecomeJdbcSettings(String url, String jdbc, String user, String password) {
        DatabaseUrl parsed = DatabaseUrl.parse(url);
        assertEquals(jdbc, parsed.jdbcUrl());
        assertEquals(user, parsed.username());
        assertEquals(password, parsed.password());
    }

    @ParameterizedTest
    @ValueSource(strings = { "mysql://u:p@h/db", "postgres://u:p@host", "postgres:///db", "not a url at all" })
    void otherUrlsAreRefusedWithoutEchoingThem(String url) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse(url));
        assertFalse(e.getMessage().contains(":p@"), e.getMessage());
    }

    @Test
    void toStringNeverShowsThePassword() {
        assertFalse(DatabaseUrl.parse("postgres://u:hunter2@h/db").toString().contains("hunter2"));
    }
}
