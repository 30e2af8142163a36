package io.github.replicachequarkus.protocol;

import java.util.List;
import java.util.Map;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** PullResponseV1: the new cookie, the pulling group's confirmed mutation ids, and the patch from the old cookie. */
@RegisterForReflection
public record PullResponse(long cookie, Map<String, Long> lastMutationIDChanges, List<PatchOperation> patch) {
}
