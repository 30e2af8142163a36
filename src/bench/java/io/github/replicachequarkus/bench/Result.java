package io.github.replicachequarkus.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one scenario measured, written as {@code <scenario>.json}: a one-line summary, the target and whether it was met,
 * a throughput (in the scenario's own unit) and an error count, then the scenario's own figures.
 */
final class Result {

    private final Map<String, Object> json = new LinkedHashMap<>();

    Result(String scenario) {
        json.put("scenario", scenario);
        json.put("summary", "");
        json.put("target", "");
        json.put("met", null);
        json.put("throughput", 0.0);
        json.put("throughputUnit", "");
        json.put("errors", 0L);
    }

    static Result skipped(String scenario, String reason) {
        return new Result(scenario).summary("skipped: " + reason).put("skipped", reason);
    }

    static Result failed(String scenario, Throwable failure) {
        return new Result(scenario).summary("failed: " + failure).put("failure", String.valueOf(failure)).errors(1);
    }

    Result put(String key, Object value) {
        json.put(key, value);
        return this;
    }

    Result summary(String summary) {
        return put("summary", summary);
    }

    Result target(String target, Boolean met) {
        return put("target", target).put("met", met);
    }

    Result throughput(double perSecond, String unit) {
        return put("throughput", Latencies.round(perSecond)).put("throughputUnit", unit);
    }

    Result errors(long errors) {
        return put("errors", errors);
    }

    String scenario() {
        return (String) json.get("scenario");
    }

    String summary() {
        return (String) json.get("summary");
    }

    String target() {
        return (String) json.get("target");
    }

    Boolean met() {
        return (Boolean) json.get("met");
    }

    boolean failed() {
        return json.containsKey("failure");
    }

    Map<String, Object> json() {
        return json;
    }

    /** Writes {@code <scenario>.json}, with the machine's load average before the scenario ran and now. */
    Path write(Path directory, double loadAverageBefore) throws IOException {
        json.put("loadAverageBefore", loadAverageBefore);
        json.put("loadAverageAfter", ProcessStats.loadAverage());
        Files.createDirectories(directory);
        Path file = directory.resolve(scenario() + ".json");
        SyncClient.JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
        return file;
    }
}
