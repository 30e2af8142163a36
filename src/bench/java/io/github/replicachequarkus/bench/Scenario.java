package io.github.replicachequarkus.bench;

import java.util.UUID;

/** One way of loading the server; it reports what it measured as a {@link Result}. */
interface Scenario {

    Result run(Target target, BenchOptions options) throws Exception;

    /** A fresh id with a readable prefix: space, client group and client ids never repeat across runs. */
    static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 13);
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
