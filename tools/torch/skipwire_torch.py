#!/usr/bin/python3
"""PyTorch side of skipwire's pretrained-weights checks (torch 1.13 / torchvision 0.14, Debian's
python3-torch and python3-torchvision; nothing is downloaded).

  fixtures DIR         the small test fixtures shipped in samples/src/test/resources/weights
  gn-count             parameters of the PyTorch twins of cifar-resnet20-gn and cifar-resnet56-gn
  gn-verify            skipwire exports cifar-resnet20-gn (seed 7, gamma/beta drawn at random by
                       PyTorch and loaded); both compute two images; prints max |log p| difference
  gn-fixture DIR       cifar-resnet20-gn's PyTorch twin: weights (F16, random GN affine), two
                       images and its probabilities, shipped in samples/src/test/resources/weights
  groupnorm DIR        torch.nn.GroupNorm on a feature map and a sequence (inputs, gamma, beta,
                       outputs and the gradients of sum(y * r)), shipped in
                       train/src/test/resources/groupnorm
  make MODEL DIR       one torchvision network's MODEL.pth, MODEL.safetensors, input.npy (a batch
                       of two 224x224 images) and torch.npy (its probabilities), for a test
  attention DIR        nn.MultiheadAttention's output and gradients for random weights, in the
                       layout of skipwire's MultiHeadSelfAttention (runtime's test resources)
  verify [MODEL ...]   torchvision's networks vs `skipwire infer`, both file formats, and the
                       export round trip (skipwire -> safetensors -> PyTorch); exits 1 over the bar

Weights are torchvision's random initialisation with batch-norm affine parameters drawn at random
and running statistics populated by a few training-mode forward passes on random inputs.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JAR = os.path.join(ROOT, "samples", "target", "skipwire.jar")
BAR = 1e-3

TORCHVISION = {  # skipwire zoo name -> torchvision constructor
    "resnet18": torchvision.models.resnet18,
    "resnet50": torchvision.models.resnet50,
    "densenet121": torchvision.models.densenet121,
    "resnext50-32x4d": torchvision.models.resnext50_32x4d,
    "wide-resnet50-2": torchvision.models.wide_resnet50_2,
    "mobilenet-v2": torchvision.models.mobilenet_v2,
}

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
          torch.int64: "I64", torch.int32: "I32"}


def save_safetensors(state_dict, path, dtype=None):
    """The safetensors format without the safetensors package: 8-byte header length, JSON, data."""
    header, blobs, offset = {}, [], 0
    for name, t in state_dict.items():
        t = t.detach().contiguous()
        if dtype is not None and t.is_floating_point():
            t = t.to(dtype)
        flat = t.reshape(-1)
        raw = (flat.view(torch.int16) if t.dtype == torch.bfloat16 else flat).numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    np_types = {"F32": np.float32, "I64": np.int64, "F16": np.float16}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        a = np.frombuffer(data[b:end], dtype=np_types[e["dtype"]]).reshape(e["shape"])
        out[name] = torch.from_numpy(a.copy())
    return out


def populate(model, shape, seed):
    """Random BN affine parameters and running statistics from training-mode passes."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
        model.train()
        for _ in range(3):
            model(torch.randn(shape, generator=g) * 1.5 + 0.2)
    model.eval()
    return model


def probabilities(model, x):
    with torch.no_grad():
        return torch.softmax(model(x), dim=1)


def npy(path, array):
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))


class CifarResNet(nn.Module):
    """cifar-resnet20-b in torchvision's names: conv1/bn1, layer1..3 of BasicBlock, fc."""

    def __init__(self, n=3, classes=10):
        super().__init__()
        block = torchvision.models.resnet.BasicBlock
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        layers, inplanes = [], 16
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            blocks = []
            for i in range(n):
                s = stride if i == 0 else 1
                down = None
                if s != 1 or inplanes != planes:
                    down = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=s, bias=False),
                                         nn.BatchNorm2d(planes))
                blocks.append(block(inplanes, planes, s, down))
                inplanes = planes
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class MixedNet(nn.Module):
    """The PyTorch twin of the test declaration weights-mixed (MixedNet.java): a residual block of
    grouped, depthwise and pointwise convolutions, two DenseNet-BC units (growth 8), a transition."""

    def __init__(self):
        super().__init__()
        bn, conv = nn.BatchNorm2d, nn.Conv2d
        self.stem_conv, self.stem_bn = conv(3, 16, 3, padding=1, bias=False), bn(16)
        self.block = nn.ModuleDict({
            "grouped": conv(16, 16, 3, padding=1, groups=4, bias=False), "grouped_bn": bn(16),
            "depthwise": conv(16, 16, 3, padding=1, groups=16, bias=False), "depthwise_bn": bn(16),
            "pointwise": conv(16, 16, 1, bias=False), "pointwise_bn": bn(16)})
        self.dense = nn.ModuleList()
        for c in (16, 24):
            self.dense.append(nn.ModuleDict({
                "bottleneck_bn": bn(c), "bottleneck": conv(c, 16, 1, bias=False),
                "conv_bn": bn(16), "conv": conv(16, 8, 3, padding=1, bias=False)}))
        self.trans_bn, self.trans_conv = bn(32), conv(32, 16, 1, bias=False)
        self.norm = bn(16)
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        relu = torch.relu
        x = relu(self.stem_bn(self.stem_conv(x)))
        b = self.block
        y = relu(b["grouped_bn"](b["grouped"](x)))
        y = relu(b["depthwise_bn"](b["depthwise"](y)))
        x = relu(b["pointwise_bn"](b["pointwise"](y)) + x)
        for u in self.dense:
            y = u["bottleneck"](relu(u["bottleneck_bn"](x)))
            y = u["conv"](relu(u["conv_bn"](y)))
            x = torch.cat([x, y], 1)
        x = nn.functional.avg_pool2d(self.trans_conv(relu(self.trans_bn(x))), 2)
        x = relu(self.norm(x))
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class GroupNormBlock(nn.Module):
    """skipwire's GroupNormBlock: conv-GN-ReLU, conv-GN, option A shortcut, ReLU after the add.
    The convolutions have biases (group norm does not cancel them); torchvision's names."""

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=True)
        self.bn1 = nn.GroupNorm(8, planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=True)
        self.bn2 = nn.GroupNorm(8, planes)
        self.stride, self.pad = stride, planes - inplanes

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        s = x[:, :, ::self.stride, ::self.stride]
        if self.pad:  # zeros appended after the input channels, as fb.resnet.torch (and skipwire)
            s = nn.functional.pad(s, (0, 0, 0, 0, 0, self.pad))
        return torch.relu(y + s)


class CifarResNetGN(nn.Module):
    """cifar-resnet(6n+2)-gn: CifarResNet with GroupNorm(8) for batch norm, option A shortcuts."""

    def __init__(self, n=3, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=True)
        self.bn1 = nn.GroupNorm(8, 16)
        layers, inplanes = [], 16
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            blocks = []
            for i in range(n):
                blocks.append(GroupNormBlock(inplanes, planes, stride if i == 0 else 1))
                inplanes = planes
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def gn_count():
    for name, n in (("cifar-resnet20-gn", 3), ("cifar-resnet56-gn", 9)):
        print(name, sum(p.numel() for p in CifarResNetGN(n).parameters()))


def gn_fixture(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(21)
    model = CifarResNetGN()
    g = torch.Generator().manual_seed(22)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.GroupNorm):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
        for t in model.state_dict().values():  # F16 in the file, the same values in PyTorch
            t.copy_(t.half().float())
    model.eval()
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(23))
    save_safetensors(model.state_dict(), os.path.join(out, "cifar-resnet20-gn.safetensors"),
                     torch.float16)
    npy(os.path.join(out, "gn-input.npy"), x.numpy())
    npy(os.path.join(out, "gn-torch.npy"), probabilities(model, x).numpy())
    print("cifar-resnet20-gn fixture in", out)


def gn_verify():
    """skipwire -> safetensors -> PyTorch (strict) -> outputs, and PyTorch -> .pth -> skipwire."""
    work = tempfile.mkdtemp(prefix="skipwire-gn-")
    exported = os.path.join(work, "export.safetensors")
    skipwire("export", "--model", "cifar-resnet20-gn", "--seed", "7", "--output", exported)
    model = CifarResNetGN()
    model.load_state_dict(load_safetensors(exported), strict=True)
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():  # gamma and beta away from 1 and 0, so the check sees them
        for m in model.modules():
            if isinstance(m, nn.GroupNorm):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
    model.eval()
    pth = os.path.join(work, "gn.pth")
    torch.save(model.state_dict(), pth)
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    npy(os.path.join(work, "input.npy"), x.numpy())
    out = os.path.join(work, "out.npy")
    skipwire("infer", "--model", "cifar-resnet20-gn", "--weights", pth, "--input",
             os.path.join(work, "input.npy"), "--output", out)
    diff = float(np.abs(np.log(np.load(out)) - torch.log(probabilities(model, x)).numpy()).max())
    print(f"cifar-resnet20-gn max |log p_skipwire - log p_torch| = {diff:.2e}")
    return 0 if diff <= BAR else 1


def skipwire(*args):
    cmd = ["java", "-jar", JAR, *args]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("failed: " + " ".join(cmd) + "\n" + r.stdout + r.stderr)
    return r.stdout.strip()


def fixtures(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(20)
    # CIFAR ResNet: weights rounded to half precision first, so the F32 .pth and the F16
    # safetensors hold the same values and PyTorch's output is the output of both.
    cifar = populate(CifarResNet(), (16, 3, 32, 32), 1)
    with torch.no_grad():
        for t in cifar.state_dict().values():
            if t.is_floating_point():
                t.copy_(t.half().float())
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    torch.save(cifar.state_dict(), os.path.join(out, "cifar-resnet20-b.pth"))
    save_safetensors(cifar.state_dict(), os.path.join(out, "cifar-resnet20-b.safetensors"), torch.float16)
    npy(os.path.join(out, "cifar-input.npy"), x.numpy())
    npy(os.path.join(out, "cifar-torch.npy"), probabilities(cifar, x).numpy())

    mixed = populate(MixedNet(), (16, 3, 16, 16), 3)
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(4))
    torch.save(mixed.state_dict(), os.path.join(out, "weights-mixed.pth"))
    save_safetensors(mixed.state_dict(), os.path.join(out, "weights-mixed.safetensors"))
    npy(os.path.join(out, "mixed-input.npy"), x.numpy())
    npy(os.path.join(out, "mixed-torch.npy"), probabilities(mixed, x).numpy())

    # Export round trip: skipwire writes a freshly initialised cifar-resnet20-b (seed 7) under
    # torchvision's names; PyTorch loads it strictly and records its outputs on cifar-input.npy.
    exported = os.path.join(tempfile.mkdtemp(), "export.safetensors")
    skipwire("export", "--model", "cifar-resnet20-b", "--seed", "7", "--output", exported)
    model = CifarResNet()
    model.load_state_dict(load_safetensors(exported), strict=True)
    model.eval()
    x = torch.from_numpy(np.load(os.path.join(out, "cifar-input.npy")))
    npy(os.path.join(out, "cifar-export-torch.npy"), probabilities(model, x).numpy())
    print("fixtures in", out)


GROUPNORM_CASES = {  # name -> (input shape, groups, eps)
    "map": ((2, 8, 3, 4), 4, 1e-5),
    "sequence": ((3, 6, 5), 3, 1e-3),
    "instance": ((2, 4, 2, 3), 4, 1e-5),
}


def groupnorm(out):
    """torch.nn.GroupNorm in float64 on float32 values, so both sides start from the same numbers."""
    os.makedirs(out, exist_ok=True)
    g = torch.Generator().manual_seed(13)
    for name, (shape, groups, eps) in GROUPNORM_CASES.items():
        c = shape[1]
        x = (torch.randn(shape, generator=g) * 2 + 0.5).float().double().requires_grad_()
        norm = nn.GroupNorm(groups, c, eps=eps).double()
        with torch.no_grad():
            norm.weight.copy_((torch.rand(c, generator=g) + 0.5).float().double())
            norm.bias.copy_((torch.randn(c, generator=g) * 0.3).float().double())
        r = torch.randn(shape, generator=g).float().double()
        y = norm(x)
        (y * r).sum().backward()
        for suffix, t in (("input", x), ("gamma", norm.weight), ("beta", norm.bias), ("r", r),
                          ("output", y), ("dx", x.grad), ("dgamma", norm.weight.grad),
                          ("dbeta", norm.bias.grad)):
            npy(os.path.join(out, f"{name}-{suffix}.npy"), t.detach().numpy())
    with open(os.path.join(out, "cases.txt"), "w") as f:
        for name, (shape, groups, eps) in GROUPNORM_CASES.items():
            f.write(f"{name} {groups} {eps!r}\n")
    print("groupnorm fixtures in", out)


def make(name, out):
    os.makedirs(out, exist_ok=True)
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    model = populate(TORCHVISION[name](), (8, 3, 224, 224), 1)
    torch.save(model.state_dict(), os.path.join(out, name + ".pth"))
    save_safetensors(model.state_dict(), os.path.join(out, name + ".safetensors"))
    npy(os.path.join(out, "input.npy"), x.numpy())
    npy(os.path.join(out, "torch.npy"), probabilities(model, x).numpy())


def verify(models):
    worst = 0.0
    work = tempfile.mkdtemp(prefix="skipwire-verify-")
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    npy(os.path.join(work, "input.npy"), x.numpy())
    for name in models:
        torch.manual_seed(0)
        model = populate(TORCHVISION[name](), (8, 3, 224, 224), 1)
        logp = torch.log(probabilities(model, x)).numpy()
        pth, st = os.path.join(work, name + ".pth"), os.path.join(work, name + ".safetensors")
        torch.save(model.state_dict(), pth)
        save_safetensors(model.state_dict(), st)
        for f in (pth, st):
            out = os.path.join(work, name + "-out.npy")
            skipwire("infer", "--model", name, "--weights", f, "--input",
                     os.path.join(work, "input.npy"), "--output", out)
            diff = float(np.abs(np.log(np.load(out)) - logp).max())
            worst = max(worst, diff)
            print(f"{name:18s} {os.path.splitext(f)[1]:13s} max |log p_skipwire - log p_torch| = {diff:.2e}", flush=True)
        exported = os.path.join(work, name + "-export.safetensors")
        skipwire("export", "--model", name, "--weights", pth, "--output", exported)
        back = TORCHVISION[name]()
        back.load_state_dict(load_safetensors(exported), strict=True)
        back.eval()
        diff = float(np.abs(torch.log(probabilities(back, x)).numpy() - logp).max())
        worst = max(worst, diff)
        print(f"{name:18s} {'export':13s} max |log p_torch(exported) - log p_torch| = {diff:.2e}", flush=True)
        for f in (pth, st, exported):
            os.remove(f)
    print(f"worst {worst:.2e}, bar {BAR:.0e}: {'pass' if worst <= BAR else 'FAIL'}")
    return 0 if worst <= BAR else 1


def attention(out):
    """x [2, 8, 5] (skipwire's NCW), nn.MultiheadAttention(8, 2 heads, no biases) in double, the
    loss sum(y * r) for a fixed random r, and its gradients, with the weights as skipwire keeps
    them: Wq, Wk, Wv [heads, head size, nIn] (rows of in_proj_weight, head-major) and Wo [heads x
    head size, nOut] (out_proj.weight transposed). mask.npy hides the last two steps of example 0
    from every query (key_padding_mask); the masked outputs and gradients end in -masked."""
    os.makedirs(out, exist_ok=True)
    n, e, t, heads = 2, 8, 5, 2
    g = torch.Generator().manual_seed(31)
    mha = nn.MultiheadAttention(e, heads, bias=False, batch_first=True).double()
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.randn(3 * e, e, generator=g, dtype=torch.float64) * 0.4)
        mha.out_proj.weight.copy_(torch.randn(e, e, generator=g, dtype=torch.float64) * 0.4)
    x = torch.randn(n, e, t, generator=g, dtype=torch.float64)
    r = torch.randn(n, e, t, generator=g, dtype=torch.float64)
    mask = torch.ones(n, t, dtype=torch.float64)
    mask[0, 3:] = 0
    w = mha.in_proj_weight.detach()
    d = e // heads
    npy(os.path.join(out, "x.npy"), x.numpy())
    npy(os.path.join(out, "r.npy"), r.numpy())
    npy(os.path.join(out, "mask.npy"), mask.numpy())
    for i, key in enumerate(("Wq", "Wk", "Wv")):
        npy(os.path.join(out, key + ".npy"), w[i * e:(i + 1) * e].reshape(heads, d, e).numpy())
    npy(os.path.join(out, "Wo.npy"), mha.out_proj.weight.detach().t().contiguous().numpy())
    for suffix, padding in (("", None), ("-masked", mask == 0)):
        mha.zero_grad()
        xs = x.clone().requires_grad_(True)
        seq = xs.transpose(1, 2)
        y, _ = mha(seq, seq, seq, key_padding_mask=padding, need_weights=False)
        y = y.transpose(1, 2)
        (y * r).sum().backward()
        gw = mha.in_proj_weight.grad
        npy(os.path.join(out, "y" + suffix + ".npy"), y.detach().numpy())
        npy(os.path.join(out, "dx" + suffix + ".npy"), xs.grad.numpy())
        for i, key in enumerate(("Wq", "Wk", "Wv")):
            npy(os.path.join(out, "d" + key + suffix + ".npy"),
                gw[i * e:(i + 1) * e].reshape(heads, d, e).numpy())
        npy(os.path.join(out, "dWo" + suffix + ".npy"), mha.out_proj.weight.grad.t().contiguous().numpy())
    print("attention fixtures in", out)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "fixtures":
        fixtures(sys.argv[2])
    elif len(sys.argv) == 2 and sys.argv[1] == "gn-count":
        gn_count()
    elif len(sys.argv) == 3 and sys.argv[1] == "gn-fixture":
        gn_fixture(sys.argv[2])
    elif len(sys.argv) == 2 and sys.argv[1] == "gn-verify":
        sys.exit(gn_verify())
    elif len(sys.argv) == 3 and sys.argv[1] == "groupnorm":
        groupnorm(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "attention":
        attention(sys.argv[2])
    elif len(sys.argv) >= 2 and sys.argv[1] == "verify":
        sys.exit(verify(sys.argv[2:] or list(TORCHVISION)))
    else:
        sys.exit(__doc__)
