#!/usr/bin/env bash
# Side-by-side speed benchmark: the generated networks and their hand-wired DL4J twins on the
# fast path and as DL4J ships (-Dskipwire.fastpath=false), then PyTorch where python3 has torch.
# Training and inference images/s, random data, median step after warm-up; ratios at the end.
#
#   bench/run.sh [MODEL ...]          default: cifar-resnet20-b densenet-bc-100-12 resnet50
#   BENCH_ARGS="--steps 5" bench/run.sh cifar-resnet20-b
#
# A measurement, not a test: other processes on the machine change the figures, so it prints
# the load average before and after. Run it on a quiet machine and repeat it.
set -euo pipefail
cd "$(dirname "$0")/.."

jar=samples/target/skipwire.jar
[ -f "$jar" ] || mvn -B -q -pl samples -am package -DskipTests
if [ "$#" -eq 0 ]; then
  set -- cifar-resnet20-b densenet-bc-100-12 resnet50
fi
args=(${BENCH_ARGS:-})
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
echo "== fast path (the default)"
java -jar "$jar" bench "${args[@]}" "$@" 2>/dev/null | tee -a "$out" | sed 's/^/  /'
echo "== as shipped: -Dskipwire.fastpath=false"
java -Dskipwire.fastpath=false -jar "$jar" bench "${args[@]}" "$@" 2>/dev/null \
  | sed 's/ generated / shipped   /; s/ hand      / hand-ship /' | tee -a "$out" | sed 's/^/  /'
echo "== PyTorch"
if python3 -c 'import torch' 2>/dev/null; then
  python3 bench/torch_bench.py "${args[@]}" "$@" | tee -a "$out" | sed 's/^/  /'
else
  echo "  skipped: python3 -c 'import torch' fails here (PyTorch is not installed)"
fi
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

# Ratios: generated (fast path) over each other wiring of the same model. Against the hand-wired
# twin it is the paired ratio skipwire bench prints (gen/hand, measured in alternating steps).
echo "== ratios (generated fast path / other)"
awk '$2 == "gen/hand" && !($1 in paired) { paired[$1] = $3 " " $4 }
     $2 ~ /^(generated|shipped|pytorch)$/ && $5 ~ /^[0-9.]+$/ {
       train[$1 "|" $2] = $5; infer[$1 "|" $2] = $6; if (!($1 in seen)) { seen[$1]; order[++n] = $1 } }
     END {
       for (i = 1; i <= n; i++) {
         m = order[i]; g = m "|generated"
         if (!(g in train)) continue
         if (m in paired) {
           split(paired[m], p, " ")
           printf "  %-20s vs %-8s  train %7.3f  infer %7.3f  (paired)\n", m, "hand", p[1], p[2]
         }
         split("shipped pytorch", others, " ")
         for (j = 1; j <= 2; j++) {
           o = m "|" others[j]
           if (o in train && train[o] > 0 && infer[o] > 0)
             printf "  %-20s vs %-8s  train %7.3f  infer %7.3f\n", m, others[j], train[g] / train[o], infer[g] / infer[o]
         }
       }
     }' "$out"
