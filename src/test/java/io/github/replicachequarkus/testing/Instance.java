package io.github.replicachequarkus.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged application ({@code target/quarkus-app}) running in a process of its own, as one machine. */
public final class Instance implements AutoCloseable {

    private final String name;
    private final int port;
    private final int managementPort;
    private final Process process;

    private Instance(String name, int port, int managementPort, Process process) {
        this.name = name;
        this.port = port;
        this.managementPort = managementPort;
        this.process = process;
    }

    /** Starts an instance with the system properties and environment given, and waits until it is ready. */
    public static Instance start(String name, Map<String, String> properties, Map<String, String> environment)
            throws IOException, InterruptedException {
        int port = freePort();
        int managementPort = freePort(); // the management interface (metrics), 9000 in production
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-Dquarkus.http.port=" + port);
        command.add("-Dquarkus.management.port=" + managementPort);
        command.addAll(List.of("-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toString()));
        Path log = Path.of("target", "instances", name + ".log");
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(key -> key.startsWith("FLY_") || key.equals("DATABASE_URL"));
        builder.environment().putAll(environment);
        Instance instance = new Instance(name, port, managementPort, builder.start());
        instance.awaitReady(Duration.ofSeconds(60));
        return instance;
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    /** The process id, to read the instance's memory from {@code /proc} or to attach {@code jcmd}. */
    public long pid() {
        return process.pid();
    }

    public URI uri() {
        return URI.create("http://localhost:" + port + "/");
    }

    /** The management interface's root: its metrics are at {@code q/metrics} under it. */
    public URI managementUri() {
        return URI.create("http://localhost:" + managementPort + "/");
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** kill -9: no draining, no goodbye. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, as Fly stops a machine: the instance drains and exits. */
    public void stop() throws InterruptedException {
        process.destroy();
        process.waitFor(60, TimeUnit.SECONDS);
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited; see target/instances/" + name + ".log");
            }
            try {
                HttpResponse<Void> response = client.send(HttpRequest.newBuilder(uri().resolve("q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " was not ready within " + timeout);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
