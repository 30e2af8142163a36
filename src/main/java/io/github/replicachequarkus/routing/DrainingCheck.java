package io.github.replicachequarkus.routing;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** A draining machine is not ready: Fly's proxy stops sending it new requests. */
@Readiness
@ApplicationScoped
public class DrainingCheck implements HealthCheck {

    private final MachineLifecycle machine;

    DrainingCheck(MachineLifecycle machine) {
        this.machine = machine;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("machine").status(!machine.draining()).build();
    }
}
