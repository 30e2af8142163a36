package io.github.replicachequarkus.testing;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The auth mode an integration test runs the packaged application in (its default is token mode, which needs a key):
 * {@code @WithTestResource(value = AuthModes.Token.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)}.
 */
public final class AuthModes {

    private AuthModes() {
    }

    /**
     * Token mode with the tests' HS256 secret ({@link Tokens#SECRET}), and the other settings a test profile needs:
     * what a profile that tightens limits in token mode starts from.
     */
    public static Map<String, String> tokenMode(Map<String, String> others) {
        Map<String, String> config = new HashMap<>(others);
        config.put("replicache.auth.mode", "token");
        config.put("replicache.auth.secret", Tokens.SECRET);
        return config;
    }

    /** Token mode with the tests' HS256 secret ({@link Tokens#SECRET}), which the Node tests sign with too. */
    public static class Token implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            return tokenMode(Map.of());
        }

        @Override
        public void stop() {
        }
    }

    /** Token mode for {@code @QuarkusTest}s: {@code @TestProfile(AuthModes.TokenProfile.class)}. */
    public static class TokenProfile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return new Token().start();
        }
    }

    /** Open mode: anyone may use any space. */
    public static class Open implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            return Map.of("replicache.auth.mode", "open");
        }

        @Override
        public void stop() {
        }
    }
}
