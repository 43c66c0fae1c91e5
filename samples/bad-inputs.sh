#!/bin/bash
# Prints each bad input of the README's table with its exit status and the line it printed on
# stderr. Run after `mvn -B -q package -DskipTests`; works in a scratch directory.
set -u
J="java -jar $(cd "$(dirname "$0")" && pwd)/target/skipwire.jar"
work=$(mktemp -d)
cd "$work"
row() { desc="$1"; shift; err=$("$@" 2>&1 >/dev/null); echo "[$desc] rc=$? :: $err"; }
mkdir -p empty corrupt gzbad
printf 'x' > afile
echo 'not a zip' > corrupt/checkpoint.zip
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  echo '<html>404</html>' > gzbad/$f.gz
done
printf 'day,level\n1,2.5\n2,abc\n' > levels.csv
row unknown-model $J summary resnet19
row bad-flag $J train --model fashion-resnet --epocs 2
row unknown-command $J trian
row wrong-shape $J train --model resnet18 --epochs 1
row no-data-dir $J train --model fashion-resnet --data nowhere
row gz-not-gzip $J train --model fashion-resnet --data gzbad
row csv-not-number $J train --model tcn-forecaster --data levels.csv
row column-no-csv $J train --model fashion-resnet --column level
row epochs0 $J train --model fashion-resnet --epochs 0
row optimizer $J train --model fashion-resnet --optimizer rmsprop
row schedule $J train --model fashion-resnet --schedule linear
row resume-empty $J train --model fashion-resnet --checkpoint-dir empty --resume
row resume-typo $J train --model fashion-resnet --checkpoint-dir runz/fashion-resnet --resume
row dir-is-file $J train --model fashion-resnet --checkpoint-dir afile
row dir-unwritable $J train --model fashion-resnet --checkpoint-dir /proc
row corrupt-resume $J train --model fashion-resnet --checkpoint-dir corrupt --resume
row existing-run $J train --model fashion-resnet --checkpoint-dir corrupt
row compare-one $J compare --model fashion-resnet
row preset $J compare --preset deep
row lesion-missing $J lesion --checkpoint nothing
row lesion-draws $J lesion --checkpoint nothing --draws 0
rm -rf "$work"
