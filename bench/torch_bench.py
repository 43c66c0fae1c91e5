#!/usr/bin/env python3
"""The PyTorch side of bench/run.sh: the same networks, batch sizes and protocol as
`skipwire bench` (random data, SGD with Nesterov momentum 0.9, lr 0.1, weight decay 1e-4;
median step time after warm-up), printed in the same columns so run.sh can take ratios.

    python3 bench/torch_bench.py [--warmup 3] [--steps 7] [MODEL ...]

MODEL: cifar-resnet20-b, densenet-bc-100-12, resnet50, transformer-encoder (default: all).
FLOPs per image are counted from the network (2 per multiply-add of every convolution, linear
layer and attention product, forward; a training step counts 3x forward), so GFLOP/s sits beside
images/s; with --peak (the fp32 GFLOP/s skipwire bench's probe measured) also the % of that peak.
Threads: one per core, as skipwire's ND4J uses, unless OMP_NUM_THREADS says otherwise (Debian's
python3-torch 1.13 starts with one thread on the project machine, so the script sets them).
"""
import argparse
import os
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("torch: not installed; skipped", file=sys.stderr)
    sys.exit(0)


class BasicBlock(nn.Module):
    """conv-BN-ReLU, conv-BN, 1x1 conv + BN projection where the shape changes (option B)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + self.shortcut(x))


class CifarResNet(nn.Module):
    """He et al. 2015, section 4.2, with projection shortcuts: cifar-resnet20-b for n = 3."""

    def __init__(self, n=3, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        layers, cin = [], 16
        for stage, width in enumerate((16, 32, 64)):
            for b in range(n):
                layers.append(BasicBlock(cin, width, 2 if stage > 0 and b == 0 else 1))
                cin = width
        self.stages = nn.Sequential(*layers)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.stages(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class DenseUnit(nn.Module):
    def __init__(self, cin, k):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, 4 * k, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(4 * k)
        self.conv2 = nn.Conv2d(4 * k, k, 3, 1, 1, bias=False)

    def forward(self, x):
        y = self.conv1(F.relu(self.bn1(x)))
        y = self.conv2(F.relu(self.bn2(y)))
        return torch.cat([x, y], 1)


class DenseNetBC(nn.Module):
    """Huang et al. 2017, DenseNet-BC for CIFAR: densenet-bc-100-12 for depth 100, k = 12."""

    def __init__(self, depth=100, k=12, classes=10):
        super().__init__()
        units = (depth - 4) // 6
        c = 2 * k
        layers = [nn.Conv2d(3, c, 3, 1, 1, bias=False)]
        for block in range(3):
            for _ in range(units):
                layers.append(DenseUnit(c, k))
                c += k
            if block < 2:
                layers += [nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c // 2, 1, bias=False),
                           nn.AvgPool2d(2, 2)]
                c //= 2
        layers += [nn.BatchNorm2d(c), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        x = self.features(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class TransformerClassifier(nn.Module):
    """skipwire's transformer-encoder: per-step linear 28 -> 128, learned position embedding,
    nn.TransformerEncoder of 4 pre-norm layers (4 heads, feed-forward 512, GELU, no dropout) with
    attention projections without biases (frozen at zero) as in skipwire's MultiHeadSelfAttention,
    final layer norm,
    mean over the 28 steps, linear to 10: the same 799,882 parameters."""

    def __init__(self, steps=28, features=28, d=128, heads=4, layers=4, ff=512, classes=10):
        super().__init__()
        self.embed = nn.Linear(features, d)
        self.position = nn.Parameter(torch.zeros(steps, d))
        nn.init.normal_(self.position, std=0.02)
        layer = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(d),
                                             enable_nested_tensor=False)
        # skipwire's attention has no biases; 1.13's inference fast path needs the tensors, so
        # they stay, at zero and frozen (and out of the parameter count).
        for block in self.encoder.layers:
            for b in (block.self_attn.in_proj_bias, block.self_attn.out_proj.bias):
                nn.init.zeros_(b)
                b.requires_grad_(False)
        self.classifier = nn.Linear(d, classes)

    def forward(self, x):  # x [N, features, steps], skipwire's NCW
        h = self.embed(x.transpose(1, 2)) + self.position
        return self.classifier(self.encoder(h).mean(1))


def macs_per_image(model, shape):
    """Multiply-adds of one forward pass of one image: convolutions, linear layers and attention
    (its projections and its two T x T products), counted by hooks in training mode (PyTorch's
    fused inference path for the transformer would skip the hooks)."""
    total = [0]
    inside_attention = {id(m) for a in model.modules() if isinstance(a, nn.MultiheadAttention)
                        for m in a.modules() if m is not a}

    def conv(m, i, o):
        total[0] += m.weight.numel() * o.shape[2] * o.shape[3]

    def linear(m, i, o):
        if id(m) not in inside_attention:
            total[0] += m.weight.numel() * (o.numel() // o.shape[-1])

    def attention(m, i, o):
        t, e = i[0].shape[1], m.embed_dim  # batch_first
        total[0] += t * (m.in_proj_weight.numel() + m.out_proj.weight.numel()) + 2 * t * t * e

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear))
        elif isinstance(m, nn.MultiheadAttention):
            hooks.append(m.register_forward_hook(attention))
    model.train()
    with torch.no_grad():
        model(torch.rand(1, *shape))
    for h in hooks:
        h.remove()
    return total[0]


def resnet50():
    try:
        import torchvision
        return torchvision.models.resnet50()
    except ImportError:
        raise SystemExit("resnet50 needs torchvision")


MODELS = {
    "cifar-resnet20-b": (lambda: CifarResNet(3), (3, 32, 32), 10, 128),
    "densenet-bc-100-12": (lambda: DenseNetBC(100, 12), (3, 32, 32), 10, 128),
    "resnet50": (resnet50, (3, 224, 224), 1000, 8),
    "transformer-encoder": (TransformerClassifier, (28, 28), 10, 128),
}


def measure(name, warmup, steps, batch=None):
    make, shape, classes, default_batch = MODELS[name]
    batch = batch or default_batch
    torch.manual_seed(7)
    model = make()
    params = sum(p.numel() for p in model.parameters() if p.requires_grad) + sum(b.numel() for n, b in model.named_buffers()
                                                            if not n.endswith("num_batches_tracked"))
    macs = macs_per_image(model, shape)
    x = torch.rand(batch, *shape)
    y = torch.randint(0, classes, (batch,))
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
    train, infer = [], []
    for step in range(-warmup, steps):
        model.train()
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()
        t1 = time.perf_counter()
        model.eval()
        with torch.no_grad():
            t2 = time.perf_counter()
            model(x)
            t3 = time.perf_counter()
        if step >= 0:
            train.append(t1 - t0)
            infer.append(t3 - t2)
    return batch, params, macs, batch / statistics.median(train), batch / statistics.median(infer)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("models", nargs="*", default=list(MODELS))
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=7)
    p.add_argument("--batch", type=int)
    p.add_argument("--peak", type=float, help="fp32 peak GFLOP/s, for the %% columns")
    a = p.parse_args()
    if "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(os.cpu_count())
    print(f"backend: torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'model':<20} {'wiring':<10} {'batch':>6} {'params':>12} {'train img/s':>13} {'infer img/s':>13}"
          f" {'MMAC/img':>9} {'train GFLOP/s':>14} {'%peak':>6} {'infer GFLOP/s':>14} {'%peak':>6}")
    for name in a.models:
        if name not in MODELS:
            print(f"{name}: no PyTorch twin; skipped", file=sys.stderr)
            continue
        batch, params, macs, tr, inf = measure(name, a.warmup, a.steps, a.batch)
        gtr, ginf = tr * 3 * 2 * macs / 1e9, inf * 2 * macs / 1e9
        ptr = f"{100 * gtr / a.peak:.1f}" if a.peak else "-"
        pinf = f"{100 * ginf / a.peak:.1f}" if a.peak else "-"
        print(f"{name:<20} {'pytorch':<10} {batch:>6} {params:>12,} {tr:>13.1f} {inf:>13.1f}"
              f" {macs / 1e6:>9.2f} {gtr:>14.1f} {ptr:>6} {ginf:>14.1f} {pinf:>6}", flush=True)


if __name__ == "__main__":
    main()
