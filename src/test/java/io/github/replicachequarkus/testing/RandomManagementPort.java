package io.github.replicachequarkus.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;

/**
 * The packaged application that {@code @QuarkusIntegrationTest}s launch serves its management interface (metrics) on
 * port 9000, as in production; two builds on one machine would fight over it. Every test gets a free port instead
 * (the launched application reads this as a system property; a {@code @QuarkusTest} has it disabled, or uses
 * {@code quarkus.management.test-port}).
 */
@WithTestResource(value = RandomManagementPort.class, scope = TestResourceScope.GLOBAL)
public class RandomManagementPort implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("quarkus.management.port", "0");
    }

    @Override
    public void stop() {
    }
}
