/**
 * The model zoo, declared in the skipwire DSL. Each {@code @Network} class here gets a generated
 * {@code <Name>Graph} beside it; parameter counts are checked against the published reference
 * implementations in the tests.
 */
package org.skipwire.samples.zoo;
