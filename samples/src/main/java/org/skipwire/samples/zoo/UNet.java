package org.skipwire.samples.zoo;

import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Concat;
import org.skipwire.Conv;
import org.skipwire.Input;
import org.skipwire.Layer;
import org.skipwire.MaxPool;
import org.skipwire.Network;
import org.skipwire.Output;
import org.skipwire.TransposedConv;

/**
 * A U-Net (Ronneberger et al. 2015) for 1x64x64 images with two classes per pixel: three
 * down-sampling levels of two 3x3 conv-BN-ReLU each (16, 32, 64 channels), a 128-channel bottom,
 * and a decoder that up-samples by transposed convolution and concatenates the encoder's feature
 * map of the same size before its two convolutions.
 */
@Network(name = "unet", input = @Input(channels = 1, height = 64, width = 64))
public class UNet {
  @Conv(kernel = 3, filters = 16)
  @BatchNorm
  @Activation(RELU)
  Layer enc1a;

  @Conv(kernel = 3, filters = 16)
  @BatchNorm
  @Activation(RELU)
  Layer enc1;

  @MaxPool(kernel = 2)
  Layer down1;

  @Conv(kernel = 3, filters = 32)
  @BatchNorm
  @Activation(RELU)
  Layer enc2a;

  @Conv(kernel = 3, filters = 32)
  @BatchNorm
  @Activation(RELU)
  Layer enc2;

  @MaxPool(kernel = 2)
  Layer down2;

  @Conv(kernel = 3, filters = 64)
  @BatchNorm
  @Activation(RELU)
  Layer enc3a;

  @Conv(kernel = 3, filters = 64)
  @BatchNorm
  @Activation(RELU)
  Layer enc3;

  @MaxPool(kernel = 2)
  Layer down3;

  @Conv(kernel = 3, filters = 128)
  @BatchNorm
  @Activation(RELU)
  Layer bottom1;

  @Conv(kernel = 3, filters = 128)
  @BatchNorm
  @Activation(RELU)
  Layer bottom2;

  @TransposedConv(filters = 64)
  Layer up3;

  @Concat(from = "enc3")
  Layer skip3;

  @Conv(kernel = 3, filters = 64)
  @BatchNorm
  @Activation(RELU)
  Layer dec3a;

  @Conv(kernel = 3, filters = 64)
  @BatchNorm
  @Activation(RELU)
  Layer dec3;

  @TransposedConv(filters = 32)
  Layer up2;

  @Concat(from = "enc2")
  Layer skip2;

  @Conv(kernel = 3, filters = 32)
  @BatchNorm
  @Activation(RELU)
  Layer dec2a;

  @Conv(kernel = 3, filters = 32)
  @BatchNorm
  @Activation(RELU)
  Layer dec2;

  @TransposedConv(filters = 16)
  Layer up1;

  @Concat(from = "enc1")
  Layer skip1;

  @Conv(kernel = 3, filters = 16)
  @BatchNorm
  @Activation(RELU)
  Layer dec1a;

  @Conv(kernel = 3, filters = 16)
  @BatchNorm
  @Activation(RELU)
  Layer dec1;

  @Conv(kernel = 1, filters = 2)
  @Output
  Layer out;
}
