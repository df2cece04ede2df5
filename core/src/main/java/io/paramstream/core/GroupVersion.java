package io.paramstream.core;

/** The version a group reached. */
public record GroupVersion(String group, long version) {}
