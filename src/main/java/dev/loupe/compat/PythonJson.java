package dev.loupe.compat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The JSON Loupe reads and writes, everywhere: what Python's json module reads, as upstream reads it. */
public final class PythonJson {

    private PythonJson() {}

    /**
     * NaN and Infinity are numbers, floats are doubles (so a huge exponent is 0.0 or infinity, never a number that
     * costs time to expand), and nothing may follow the document. The parsers' and generators' buffers are kept in
     * one pool for the process: Jackson's default keeps them per thread, and every request runs on a new virtual
     * thread, so each answer allocated its buffers anew (over half of all the bytes a show allocated).
     */
    public static ObjectMapper mapper() {
        JsonFactory factory = JsonFactory.builder()
                .recyclerPool(JsonRecyclerPools.newConcurrentDequePool())
                .build();
        return JsonMapper.builder(factory)
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }
}
