package dev.loupe.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.policy.Caller;

/**
 * What a task type checks when a task of its type is created, before anything is stored. The capability that runs
 * the type registers it, as it registers the type's handler with the engine.
 */
public interface TaskAdmission {

    /**
     * Checks the input as upstream does at create, with its messages.
     *
     * @throws dev.loupe.failure.LoupeException.InvalidInput when the input cannot be used (400)
     */
    void checkInput(JsonNode input);

    /**
     * Checks what the caller may ask of this type, after the input passed and the caller proved a project.
     *
     * @throws dev.loupe.failure.LoupeException.Forbidden when the caller may not (403)
     */
    default void authorize(Caller caller, JsonNode input) {}
}
