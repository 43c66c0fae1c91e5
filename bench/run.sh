#!/usr/bin/env bash
# Side-by-side speed benchmark: the generated networks and their hand-wired DL4J twins on the
# fast path and as DL4J ships (-Dskipwire.fastpath=false), then PyTorch where python3 has torch.
# Training and inference images/s, random data, median step after warm-up; ratios at the end.
# Beside images/s: forward multiply-adds per image, GFLOP/s (training counted as 3x forward) and
# the % of the fp32 peak that the first skipwire run probes (a 2048^3 sgemm), the same peak for
# every column, PyTorch's included.
#
#   bench/run.sh [MODEL ...]          default: cifar-resnet20-b densenet-bc-100-12 resnet50
#                                     transformer-encoder
#   BENCH_ARGS="--steps 5" bench/run.sh cifar-resnet20-b
#
# Without BENCH_ARGS each model gets settings that keep the run under half an hour on 2 cores:
# cifar-resnet20-b the defaults (batch 128, 3 warm-up and 7 timed steps), densenet-bc-100-12
# batch 64 with 1 and 3 (a shipped-path step takes half a minute), resnet50 batch 8 with 2 and 5.
#
# A measurement, not a test: other processes on the machine change the figures, so it prints
# the load average before and after. Run it on a quiet machine and repeat it.
set -euo pipefail
cd "$(dirname "$0")/.."

jar=samples/target/skipwire.jar
[ -f "$jar" ] || mvn -B -q -pl samples -am package -DskipTests
if [ "$#" -eq 0 ]; then
  set -- cifar-resnet20-b densenet-bc-100-12 resnet50 transformer-encoder
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT

settings() {  # the bench options for one model
  if [ -n "${BENCH_ARGS:-}" ]; then echo "$BENCH_ARGS"; return; fi
  case "$1" in
    densenet-bc-100-12) echo "--batch 64 --warmup 1 --steps 3" ;;
    resnet50) echo "--warmup 2 --steps 5" ;;
    *) echo "" ;;
  esac
}

# The first Python that has torch: $PYTHON, python3 on the PATH, or Debian's /usr/bin/python3
# (python3-torch), which a pyenv or venv python3 on the PATH hides.
torch_python=""
for py in ${PYTHON:-} python3 /usr/bin/python3; do
  if "$py" -c 'import torch' 2>/dev/null; then torch_python=$py; break; fi
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
peak=""
for model in "$@"; do
  args=($(settings "$model"))
  echo "== $model ${args[*]:-}"
  echo "-- fast path (the default), beside DL4J's own oneDNN helpers (--dl4j-helpers)"
  java -jar "$jar" bench --dl4j-helpers ${peak:+--peak "$peak"} "${args[@]}" "$model" 2>/dev/null \
    | tee -a "$out" | sed 's/^/  /'
  # The first run's probe is the peak of every later column.
  [ -n "${peak:-}" ] || peak=$(awk '$1 == "peak:" { print $2; exit }' "$out")
  echo "-- as shipped: -Dskipwire.fastpath=false (generated graph only)"
  java -Dskipwire.fastpath=false -jar "$jar" bench --no-hand --no-fold ${peak:+--peak "$peak"} \
    "${args[@]}" "$model" 2>/dev/null | sed 's/ generated / shipped   /' | tee -a "$out" | sed 's/^/  /'
  echo "-- PyTorch"
  if [ -n "$torch_python" ]; then
    "$torch_python" bench/torch_bench.py ${peak:+--peak "$peak"} "${args[@]}" "$model" \
      | tee -a "$out" | sed 's/^/  /'
  else
    echo "  skipped: no python3 here imports torch (apt-get install python3-torch python3-torchvision)"
  fi
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

# Ratios: generated (fast path) over each other wiring of the same model. Against the hand-wired
# twin it is the paired ratio skipwire bench prints (gen/hand, measured in alternating steps).
echo "== ratios (generated fast path / other)"
awk '$2 == "gen/hand" && !($1 in paired) { paired[$1] = $3 " " $4 }
     $2 == "fold/gen" && !($1 in fold) { fold[$1] = $3 }
     $2 == "dl4j/gen" && !($1 in dl4j) { dl4j[$1] = $3 " " $4 }
     $2 == "bn-folded" && $6 ~ /^[0-9.]+$/ && !($1 in folded) { folded[$1] = $6 }
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
         if (m in dl4j) {
           split(dl4j[m], d, " ")
           printf "  %-20s vs %-8s  train %7.3f  infer %7.3f  (paired; DL4J'"'"'s oneDNN helpers)\n", m, "dl4j", 1 / d[1], 1 / d[2]
         }
         if (m in fold)
           printf "  %-20s %-11s infer %7.3f  (paired)\n", m, "bn-folded/generated", fold[m]
         split("shipped pytorch", others, " ")
         for (j = 1; j <= 2; j++) {
           o = m "|" others[j]
           if (o in train && train[o] > 0 && infer[o] > 0)
             printf "  %-20s vs %-8s  train %7.3f  infer %7.3f\n", m, others[j], train[g] / train[o], infer[g] / infer[o]
         }
         o = m "|pytorch"
         if ((m in folded) && (o in infer) && infer[o] > 0)
           printf "  %-20s bn-folded vs pytorch     infer %7.3f\n", m, folded[m] / infer[o]
       }
     }' "$out"
