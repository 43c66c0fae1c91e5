package org.skipwire.processor.write;

import com.palantir.javapoet.ClassName;

/**
 * The DL4J and runtime types the generated code names. Built from strings: the processor must not
 * depend on DL4J, it only writes code that calls it.
 */
final class Dl4jNames {
  private Dl4jNames() {}

  private static final String CONF = "org.deeplearning4j.nn.conf";
  private static final String LAYERS = CONF + ".layers";

  static final ClassName GRAPH_CONFIGURATION = ClassName.get(CONF, "ComputationGraphConfiguration");
  static final ClassName GRAPH_BUILDER =
      ClassName.get(CONF, "ComputationGraphConfiguration", "GraphBuilder");
  static final ClassName INPUT_TYPE = ClassName.get(CONF + ".inputs", "InputType");
  static final ClassName ELEMENT_WISE_VERTEX = ClassName.get(CONF + ".graph", "ElementWiseVertex");
  static final ClassName MERGE_VERTEX = ClassName.get(CONF + ".graph", "MergeVertex");
  static final ClassName CONVOLUTION_LAYER = ClassName.get(LAYERS, "ConvolutionLayer");
  static final ClassName BATCH_NORMALIZATION = ClassName.get(LAYERS, "BatchNormalization");
  static final ClassName ACTIVATION_LAYER = ClassName.get(LAYERS, "ActivationLayer");
  static final ClassName SUBSAMPLING_LAYER = ClassName.get(LAYERS, "SubsamplingLayer");
  static final ClassName POOLING_TYPE = ClassName.get(LAYERS, "PoolingType");
  static final ClassName GLOBAL_POOLING_LAYER = ClassName.get(LAYERS, "GlobalPoolingLayer");
  static final ClassName DENSE_LAYER = ClassName.get(LAYERS, "DenseLayer");
  static final ClassName OUTPUT_LAYER = ClassName.get(LAYERS, "OutputLayer");
  static final ClassName CNN_LOSS_LAYER = ClassName.get(LAYERS, "CnnLossLayer");
  static final ClassName DECONVOLUTION_2D = ClassName.get(LAYERS, "Deconvolution2D");
  static final ClassName UPSAMPLING_2D = ClassName.get(LAYERS, "Upsampling2D");
  static final ClassName ACTIVATION = ClassName.get("org.nd4j.linalg.activations", "Activation");
  static final ClassName LOSS_FUNCTION =
      ClassName.get("org.nd4j.linalg.lossfunctions", "LossFunctions", "LossFunction");

  private static final String RUNTIME = "org.skipwire.runtime";
  static final ClassName SKIPWIRE_MODEL = ClassName.get(RUNTIME, "SkipwireModel");
  static final ClassName TRAINING = ClassName.get(RUNTIME, "Training");
  static final ClassName VERTEX_INFO = ClassName.get(RUNTIME, "VertexInfo");
  static final ClassName GRAPH_WIRING = ClassName.get(RUNTIME, "GraphWiring");
  static final ClassName ZERO_PAD_CHANNELS_VERTEX =
      ClassName.get(RUNTIME + ".conf", "ZeroPadChannelsVertex");
  static final ClassName HIGHWAY_GATE_VERTEX =
      ClassName.get(RUNTIME + ".conf", "HighwayGateVertex");
  static final ClassName SHAKE_SHAKE_VERTEX = ClassName.get(RUNTIME + ".conf", "ShakeShakeVertex");
  static final ClassName LAYER_NORMALIZATION =
      ClassName.get(RUNTIME + ".conf", "LayerNormalization");
  static final ClassName GROUP_NORMALIZATION =
      ClassName.get(RUNTIME + ".conf", "GroupNormalization");
  static final ClassName DROP_PATH_VERTEX = ClassName.get(RUNTIME + ".conf", "DropPathVertex");
  static final ClassName CHANNEL_SCALE_VERTEX =
      ClassName.get(RUNTIME + ".conf", "ChannelScaleVertex");
  static final ClassName SCALE_VERTEX = ClassName.get(RUNTIME + ".conf", "ScaleVertex");
  static final ClassName GATED_SKIP_VERTEX = ClassName.get(RUNTIME + ".conf", "GatedSkipVertex");
  static final ClassName GROUPED_CONVOLUTION_LAYER =
      ClassName.get(RUNTIME + ".conf", "GroupedConvolutionLayer");
  static final ClassName DEPTHWISE_CONVOLUTION_2D = ClassName.get(LAYERS, "DepthwiseConvolution2D");
  static final ClassName DROPOUT_LAYER = ClassName.get(LAYERS, "DropoutLayer");
  static final ClassName CONVOLUTION_1D_LAYER = ClassName.get(LAYERS, "Convolution1DLayer");
  static final ClassName LAST_TIME_STEP_VERTEX =
      ClassName.get(CONF + ".graph.rnn", "LastTimeStepVertex");
  static final ClassName MULTI_HEAD_SELF_ATTENTION =
      ClassName.get(RUNTIME + ".conf", "MultiHeadSelfAttention");
  static final ClassName TEMPORAL_CONVOLUTION =
      ClassName.get(RUNTIME + ".conf", "TemporalConvolution");
  static final ClassName SEQUENCE_BATCH_NORMALIZATION =
      ClassName.get(RUNTIME + ".conf", "SequenceBatchNormalization");
  static final ClassName SEQUENCE_AVG_POOLING =
      ClassName.get(RUNTIME + ".conf", "SequenceAvgPooling");
  static final ClassName POSITION_EMBEDDING = ClassName.get(RUNTIME + ".conf", "PositionEmbedding");

  static final ClassName GENERATED = ClassName.get("javax.annotation.processing", "Generated");
  static final ClassName SKIPWIRE_GENERATED = ClassName.get("org.skipwire", "SkipwireGenerated");
}
