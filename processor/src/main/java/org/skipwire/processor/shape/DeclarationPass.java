package org.skipwire.processor.shape;

import java.util.List;
import org.skipwire.processor.diag.Problem;
import org.skipwire.processor.model.Network;

/**
 * One rule over a network as declared, before any shape is known: values in range, attributes that
 * exclude each other or mean nothing where they stand. {@link GraphCheck#DECLARATION_PASSES} lists
 * them; all run, and any problem stops lowering (shapes computed from out-of-range values would
 * only add follow-on errors).
 */
interface DeclarationPass {
  List<Problem> check(Network network);
}
