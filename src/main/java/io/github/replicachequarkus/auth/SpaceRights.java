package io.github.replicachequarkus.auth;

import java.util.Map;

/**
 * A token's {@code spaces} claim: space ids, or prefixes ending in {@code *}, mapped to {@code "r"} or {@code "rw"}. A
 * space's own entry wins; otherwise the longest matching prefix does, so a broad grant can be narrowed
 * ({@code {"team-a-*": "rw", "team-a-archive-*": "r"}}). Values other than {@code r} and {@code rw} grant nothing.
 */
final class SpaceRights {

    private final Map<String, String> claim;

    SpaceRights(Map<String, String> claim) {
        this.claim = Map.copyOf(claim);
    }

    Access accessTo(String spaceID) {
        String exact = claim.get(spaceID);
        if (exact != null) {
            return parse(exact);
        }
        String best = null;
        for (Map.Entry<String, String> grant : claim.entrySet()) {
            String pattern = grant.getKey();
            if (pattern.endsWith("*") && spaceID.startsWith(pattern.substring(0, pattern.length() - 1))
                    && (best == null || pattern.length() > best.length())) {
                best = pattern;
            }
        }
        return best == null ? Access.NONE : parse(claim.get(best));
    }

    private static Access parse(String right) {
        return switch (right) {
            case "rw" -> Access.WRITE;
            case "r" -> Access.READ;
            default -> Access.NONE;
        };
    }
}
