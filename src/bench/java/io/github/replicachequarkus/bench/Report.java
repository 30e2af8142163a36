package io.github.replicachequarkus.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The readable side of the results: a table of every scenario against its target, and {@code results.md}. */
final class Report {

    private Report() {
    }

    /** The machine the harness runs on (the server too, when the harness started it). */
    static Map<String, Object> machine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("memory", ProcessStats.memInfo("MemTotal").orElse(0) / 1024 / 1024 + " MB");
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("loadAverage", ProcessStats.loadAverage());
        machine.put("harnessOpenFileLimit", ProcessStats.harnessFileLimit());
        return machine;
    }

    /** A Markdown table: scenario, what it measured, its target and whether it was met. */
    static String table(List<Result> results) {
        StringBuilder table = new StringBuilder("| scenario | result | target | met |\n|---|---|---|---|\n");
        for (Result result : results) {
            String met = result.met() == null ? "–" : result.met() ? "yes" : "**no**";
            table.append("| ").append(result.scenario()).append(" | ").append(result.summary()).append(" | ")
                    .append(result.target()).append(" | ").append(met).append(" |\n");
        }
        return table.toString();
    }

    static Path write(Path directory, BenchOptions options, Map<String, Object> machine, Map<String, Object> database,
            List<Result> results) throws IOException {
        StringBuilder report = new StringBuilder("# Benchmark results\n\n");
        report.append(table(results)).append('\n');
        report.append("Machine: ").append(line(machine)).append("\n\n");
        report.append("Database: ").append(line(database)).append("\n\n");
        report.append("Options: ").append(line(options.describe())).append("\n\n");
        report.append("Every scenario's figures are in `<scenario>.json` beside this file; the load average of the "
                + "machine before and after each is there too (other builds on the machine skew the figures).\n");
        Files.createDirectories(directory);
        Path file = directory.resolve("results.md");
        Files.writeString(file, report);
        return file;
    }

    private static String line(Map<String, Object> values) {
        StringBuilder line = new StringBuilder();
        values.forEach((key, value) -> line.append(line.isEmpty() ? "" : "; ").append(key).append(' ').append(value));
        return line.toString();
    }
}
