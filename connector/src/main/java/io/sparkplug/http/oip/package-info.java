/**
 * The Open Inference Protocol (KServe v2 REST) over a sparkplug-http service ({@code
 * protocol=oip}): the tensor types of a {@code requestSchema} ({@link
 * io.sparkplug.http.oip.Tensors}), the parse of an inference request into the {@code request}
 * column on the server's thread ({@link io.sparkplug.http.oip.InferRequests}), the output tensors
 * the sink writes from reply columns ({@link io.sparkplug.http.oip.OutputTensors}), and the
 * protocol's JSON documents: health, server and model metadata, the inference response and the
 * error object ({@link io.sparkplug.http.oip.OipDocuments}).
 */
package io.sparkplug.http.oip;
