package io.github.replicachequarkus.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The benchmark harness, run for a few seconds with tiny sizes against the packaged application it starts itself:
 * every scenario (startup aside, which only restarts the server; the soak for 3 s) writes its JSON, with a throughput
 * and no errors.
 */
class BenchSmokeIT {

    private static final List<String> SCENARIOS = List.of("push-hot", "push-spaces", "mutate-hot", "fanout", "presence", "idle",
            "reconnect", "pull-100k", "soak");

    @Test
    void everyScenarioRunsAndWritesItsResults() throws Exception {
        Path out = Path.of("target", "bench-smoke");
        BenchOptions options = BenchOptions.of(Map.ofEntries(
                Map.entry("bench.scenarios", String.join(",", SCENARIOS)),
                Map.entry("bench.duration", "1"),
                Map.entry("bench.warmup", "0.2"),
                Map.entry("bench.clients", "2"),
                Map.entry("bench.push.todos", "20"),
                Map.entry("bench.fanout.sockets", "20"),
                Map.entry("bench.presence.sockets", "10"),
                Map.entry("bench.presence.rate", "10"),
                Map.entry("bench.presence.push-rate", "5"),
                Map.entry("bench.idle.sockets", "40"),
                Map.entry("bench.idle.rooms", "4"),
                Map.entry("bench.idle.settle", "0.2"),
                Map.entry("bench.reconnect.sockets", "30"),
                Map.entry("bench.reconnect.rooms", "2"),
                Map.entry("bench.reconnect.behind", "5"),
                Map.entry("bench.reconnect.window", "0.3"),
                Map.entry("bench.pull.entries", "1000"),
                Map.entry("bench.pull.batch", "500"),
                Map.entry("bench.pull.repeats", "1"),
                Map.entry("bench.soak.sockets", "20"),
                Map.entry("bench.soak.rooms", "2"),
                Map.entry("bench.soak.rate", "10"),
                Map.entry("bench.soak.duration", "3"),
                Map.entry("bench.soak.sample", "1"),
                Map.entry("bench.out", out.toString())));

        Bench.run(options);

        for (String scenario : SCENARIOS) {
            Path file = out.resolve(scenario + ".json");
            assertTrue(Files.exists(file), scenario + " wrote no " + file);
            JsonNode result = SyncClient.JSON.readTree(file.toFile());
            assertEquals(scenario, result.path("scenario").asText());
            assertTrue(result.path("throughput").asDouble() > 0, scenario + " measured no throughput: " + result);
            assertEquals(0, result.path("errors").asLong(), scenario + " had errors: " + result);
        }
        assertTrue(Files.readString(out.resolve("results.md")).contains("| push-hot |"), "results.md has the table");
        // The server's heap comes from its metrics, on the management interface of the application the harness started.
        JsonNode idle = SyncClient.JSON.readTree(out.resolve("idle.json").toFile());
        assertTrue(idle.path("heapAfterMb").isNumber(), "the harness read the server's heap from its metrics: " + idle);
    }
}
