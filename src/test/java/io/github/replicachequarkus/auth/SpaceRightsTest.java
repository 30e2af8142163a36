package io.github.replicachequarkus.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpaceRightsTest {

    private final SpaceRights rights = new SpaceRights(Map.of(
            "lobby", "r",
            "team-a-*", "rw",
            "team-a-archive-*", "r",
            "team-a-archive-open", "rw",
            "odd", "admin",
            "team-b-*", "x"));

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "lobby, READ",
            "lobby2, NONE",
            "team-a-1, WRITE",
            "team-a-, WRITE",
            "team-a, NONE",
            "team-a-archive-2020, READ",
            "team-a-archive-open, WRITE",
            "odd, NONE",
            "team-b-1, NONE",
            "elsewhere, NONE" })
    void aSpacesOwnEntryWinsThenTheLongestPrefix(String spaceID, Access expected) {
        assertEquals(expected, rights.accessTo(spaceID));
    }

    @ParameterizedTest(name = "{0} allows {1}: {2}")
    @CsvSource({ "WRITE, READ, true", "WRITE, WRITE, true", "READ, WRITE, false", "READ, READ, true", "NONE, READ, false" })
    void accessCoversLesserAccess(Access access, Access needed, boolean allows) {
        assertEquals(allows, access.allows(needed));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(value = { "'Bearer abc', abc", "'bearer   abc ', abc", "abc, abc", "'  ', ''", "'Bearer ', ''" })
    void theTokenIsTakenWithOrWithoutBearer(String credentials, String token) {
        assertEquals(token, TokenAuthorizer.bearer(credentials));
    }
}
