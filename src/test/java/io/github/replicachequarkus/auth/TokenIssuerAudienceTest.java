package io.github.replicachequarkus.auth;

import static io.github.replicachequarkus.testing.Protocol.pullAs;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Tokens.bearer;
import static org.hamcrest.Matchers.is;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.keys.HmacKey;
import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** With {@code replicache.auth.issuer} and {@code .audience} set, a token signed with the right key must name both. */
@QuarkusTest
@TestProfile(TokenIssuerAudienceTest.IssuerAndAudience.class)
class TokenIssuerAudienceTest {

    static final String ISSUER = "https://login.example";
    static final String AUDIENCE = "todo-sync";

    public static class IssuerAndAudience implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return AuthModes.tokenMode(Map.of("replicache.auth.issuer", ISSUER, "replicache.auth.audience", AUDIENCE));
        }
    }

    @Test
    void aTokenNamingTheIssuerAndAudienceIsAccepted() {
        String space = space();
        pull(space, token(space, ",\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\"")).then().statusCode(200);
        pull(space, token(space, ",\"iss\":\"" + ISSUER + "\",\"aud\":[\"billing\",\"" + AUDIENCE + "\"]")).then()
                .statusCode(200);
    }

    @Test
    void aTokenWithoutThemOrWithOthersGets401() {
        String space = space();
        for (String extra : new String[] { "", ",\"aud\":\"" + AUDIENCE + "\"", ",\"iss\":\"" + ISSUER + "\"",
                ",\"iss\":\"https://other.example\",\"aud\":\"" + AUDIENCE + "\"",
                ",\"iss\":\"" + ISSUER + "\",\"aud\":\"billing\"" }) {
            pull(space, token(space, extra)).then().statusCode(401).body("error", is("Unauthorized"));
        }
    }

    /** A token for the space with the tests' key, its claims followed by {@code extra} (JSON members, comma first). */
    private static String token(String space, String extra) {
        String claims = "{\"sub\":\"u1\",\"exp\":" + Instant.now().plusSeconds(600).getEpochSecond() + ",\"spaces\":{\""
                + space + "\":\"rw\"}" + extra + "}";
        return bearer(Tokens.sign(claims, AlgorithmIdentifiers.HMAC_SHA256,
                new HmacKey(Tokens.SECRET.getBytes(StandardCharsets.UTF_8))));
    }

    private static Response pull(String spaceID, String auth) {
        return pullAs(auth, spaceID, "g-pull-" + spaceID, null);
    }
}
