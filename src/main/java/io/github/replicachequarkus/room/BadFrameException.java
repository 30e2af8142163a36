package io.github.replicachequarkus.room;

/** A frame the room cannot take: answered with an error frame, or, when fatal, by closing with 4400. */
class BadFrameException extends RuntimeException {

    private final String code;
    private final boolean fatal;

    BadFrameException(String code, String detail, boolean fatal) {
        super(detail, null, false, false);
        this.code = code;
        this.fatal = fatal;
    }

    String code() {
        return code;
    }

    boolean fatal() {
        return fatal;
    }
}
