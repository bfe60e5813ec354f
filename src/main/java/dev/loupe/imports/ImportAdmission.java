package dev.loupe.imports;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loupe.failure.LoupeException.InvalidInput;
import dev.loupe.imports.fetch.ImportUriFilter;
import dev.loupe.policy.Caller;
import dev.loupe.task.TaskAdmission;

/**
 * What an {@code import} task must pass at create: its {@code import_from} against upstream's location checks and
 * the {@code [import_filtering_opts]} filter and its {@code validation_data} when it has one (400), then what only admins may ask of the image it makes (403). The
 * rest of the input is checked when the task runs, as upstream does.
 */
public final class ImportAdmission implements TaskAdmission {

    private final ImportUriFilter filter;

    public ImportAdmission(ImportUriFilter filter) {
        this.filter = filter;
    }

    @Override
    public void checkInput(JsonNode input) {
        filter.refusal(input.isObject() ? input.get("import_from") : null).ifPresent(refusal -> {
            throw new InvalidInput(refusal);
        });
        // Loupe's own: the digests to verify, when given, must be usable (docs/extensions.md).
        Verification.refusal(input).ifPresent(refusal -> {
            throw new InvalidInput(refusal);
        });
    }

    @Override
    public void authorize(Caller caller, JsonNode input) {
        ImageRequest.authorize(input, caller.projectId(), caller.admin());
    }
}
