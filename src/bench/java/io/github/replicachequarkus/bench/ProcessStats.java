package io.github.replicachequarkus.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

import com.sun.management.UnixOperatingSystemMXBean;

/** What Linux's {@code /proc} says about a process (the server's, or the harness's own). */
final class ProcessStats {

    /** USER_HZ: Linux reports CPU times in these ticks per second. */
    private static final int CLOCK_TICKS = 100;

    private ProcessStats() {
    }

    /** Resident memory in bytes ({@code VmRSS}); empty when the process cannot be read. */
    static OptionalLong rss(long pid) {
        OptionalLong kilobytes = status(pid, "VmRSS:");
        return kilobytes.isPresent() ? OptionalLong.of(kilobytes.getAsLong() * 1024) : kilobytes;
    }

    static OptionalLong threads(long pid) {
        return status(pid, "Threads:");
    }

    /** The soft limit on open files ("Max open files" in {@code /proc/<pid>/limits}). */
    static OptionalLong maxOpenFiles(long pid) {
        try (Stream<String> lines = Files.lines(Path.of("/proc", String.valueOf(pid), "limits"))) {
            return lines.filter(line -> line.startsWith("Max open files")).findFirst()
                    .map(line -> OptionalLong
                            .of(Long.parseLong(line.substring("Max open files".length()).strip().split("\\s+")[0])))
                    .orElse(OptionalLong.empty());
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    static OptionalLong openFiles(long pid) {
        try (Stream<Path> files = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            return OptionalLong.of(files.count());
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** How many more files this JVM may open before it hits its limit. */
    static long harnessFileBudget() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount() - unix.getOpenFileDescriptorCount();
        }
        return Long.MAX_VALUE;
    }

    /** Files a process keeps for itself beyond the sockets (jars, database connections, pipes). */
    private static final long SPARE_FILES = 300;

    /**
     * How many of the sockets asked for both the harness and the server (when the harness can read its limits) may
     * open, and why fewer when fewer.
     *
     * @param limitedBy null when all may open
     * @param serverLimit the server's open-file limit, when known
     */
    record SocketBudget(int count, String limitedBy, OptionalLong serverLimit) {
    }

    static SocketBudget socketBudget(Target target, int requested) {
        long harnessRoom = harnessFileBudget() - SPARE_FILES;
        long serverRoom = Long.MAX_VALUE;
        OptionalLong serverLimit = OptionalLong.empty();
        if (target.pid().isPresent()) {
            long pid = target.pid().getAsLong();
            serverLimit = maxOpenFiles(pid);
            if (serverLimit.isPresent()) {
                serverRoom = serverLimit.getAsLong() - openFiles(pid).orElse(0) - SPARE_FILES;
            }
        }
        int count = (int) Math.max(0, Math.min(requested, Math.min(harnessRoom, serverRoom)));
        String limitedBy = count == requested ? null
                : String.format("open-file limits: the harness may open %d more files, the server %s; raise them with "
                        + "ulimit -n (see docs/development.md, the benchmark harness)", harnessRoom + SPARE_FILES,
                        serverRoom == Long.MAX_VALUE ? "unknown" : String.valueOf(serverRoom + SPARE_FILES));
        return new SocketBudget(count, limitedBy, serverLimit);
    }

    static long harnessFileLimit() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount()
                : -1;
    }

    /** The 1-minute load average of the machine. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** A line of {@code /proc/meminfo}, in bytes. */
    static OptionalLong memInfo(String field) {
        try (Stream<String> lines = Files.lines(Path.of("/proc/meminfo"))) {
            return lines.filter(line -> line.startsWith(field + ":")).findFirst()
                    .map(line -> OptionalLong.of(Long.parseLong(line.split("\\s+")[1]) * 1024))
                    .orElse(OptionalLong.empty());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** CPU time (user and system) a process has used, in seconds; -1 when it cannot be read. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * How many connections the kernel dropped so far because a listening socket's accept queue was full
     * ({@code ListenOverflows} in {@code /proc/net/netstat}); their clients retry after one second, then three, then
     * seven. -1 when it cannot be read.
     */
    static long listenOverflows() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/net/netstat"));
            for (int i = 0; i + 1 < lines.size(); i += 2) {
                String[] names = lines.get(i).split("\\s+");
                if (!names[0].equals("TcpExt:")) {
                    continue;
                }
                String[] values = lines.get(i + 1).split("\\s+");
                for (int j = 1; j < Math.min(names.length, values.length); j++) {
                    if (names[j].equals("ListenOverflows")) {
                        return Long.parseLong(values[j]);
                    }
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The machine's CPU time so far, in seconds summed over its cores: busy, and in all. */
    static double[] machineCpuSeconds() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/stat"))) {
            String[] fields = lines.findFirst().orElseThrow().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(fields.length, 9); i++) {
                total += Long.parseLong(fields[i]);
            }
            long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
            return new double[] { (total - idle) / (double) CLOCK_TICKS, total / (double) CLOCK_TICKS };
        } catch (IOException | RuntimeException e) {
            return new double[] { -1, -1 };
        }
    }

    /** The process listening as PostgreSQL on the port (its command line says {@code -p <port>}), if any. */
    static OptionalLong postmaster(int port) {
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            return processes.filter(path -> path.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(path -> {
                        try {
                            String command = Files.readString(path.resolve("cmdline")).replace('\0', ' ');
                            return command.contains("postgres") && command.contains(" -p " + port + " ");
                        } catch (IOException | RuntimeException e) {
                            return false;
                        }
                    }).mapToLong(path -> Long.parseLong(path.getFileName().toString())).findFirst();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** CPU seconds of a process and of its children (PostgreSQL's backends are the postmaster's children). */
    static Map<Long, Double> cpuOfTree(long root) {
        Map<Long, Double> cpu = new HashMap<>();
        cpu.put(root, cpuSeconds(root));
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            processes.map(path -> path.getFileName().toString()).filter(name -> name.chars().allMatch(Character::isDigit))
                    .forEach(name -> {
                        try {
                            String stat = Files.readString(Path.of("/proc", name, "stat"));
                            long parent = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
                            if (parent == root) {
                                cpu.put(Long.parseLong(name), cpuSeconds(Long.parseLong(name)));
                            }
                        } catch (IOException | RuntimeException e) {
                            // gone meanwhile
                        }
                    });
        } catch (IOException e) {
            // no /proc: nothing known
        }
        return cpu;
    }

    /**
     * Where the CPU went while a scenario ran: the server's process, the database's, the harness's, and the whole
     * machine's (which includes whatever else runs here). Start one before the load and call {@link #cores} after.
     */
    static final class CpuUse {

        private final long serverPid;
        private final long databasePid;
        private final long start = System.nanoTime();
        private final double server;
        private final Map<Long, Double> database;
        private final double harness;
        private final double[] machine;

        CpuUse(Target target) {
            this.serverPid = target.pid().orElse(-1);
            this.databasePid = target.databasePid().orElse(-1);
            this.server = serverPid < 0 ? -1 : cpuSeconds(serverPid);
            this.database = databasePid < 0 ? Map.of() : cpuOfTree(databasePid);
            this.harness = cpuSeconds(ProcessHandle.current().pid());
            this.machine = machineCpuSeconds();
        }

        /**
         * Average cores busy since the start: server, database, harness, machine (all processes); null for a process
         * whose counters could not be read (with every file the harness may open taken by sockets, say).
         */
        Map<String, Object> cores() {
            double elapsed = (System.nanoTime() - start) / 1e9;
            double[] machineNow = machineCpuSeconds();
            Map<String, Object> cores = new LinkedHashMap<>();
            if (serverPid >= 0) {
                cores.put("server", since(server, cpuSeconds(serverPid), elapsed));
            }
            if (databasePid >= 0) {
                double used = 0;
                for (Map.Entry<Long, Double> process : cpuOfTree(databasePid).entrySet()) {
                    used += process.getValue() - database.getOrDefault(process.getKey(), 0.0);
                }
                cores.put("database", Latencies.round(used / elapsed));
            }
            cores.put("harness", since(harness, cpuSeconds(ProcessHandle.current().pid()), elapsed));
            cores.put("machine", since(machine[0], machineNow[0], elapsed));
            cores.put("machineCores", Runtime.getRuntime().availableProcessors());
            return cores;
        }

        private static Double since(double before, double now, double elapsed) {
            return before < 0 || now < 0 ? null : Latencies.round((now - before) / elapsed);
        }
    }

    private static OptionalLong status(long pid, String field) {
        try (Stream<String> lines = Files.lines(Path.of("/proc", String.valueOf(pid), "status"))) {
            return lines.filter(line -> line.startsWith(field)).findFirst()
                    .map(line -> OptionalLong.of(Long.parseLong(line.substring(field.length()).strip().split("\\s+")[0])))
                    .orElse(OptionalLong.empty());
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
