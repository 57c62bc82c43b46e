# merge existing output: a non-empty OUT is refused, and left as it was
mkdir out && touch out/keep
xtrace-multi-merge -q -o out "$DATA/kvm-svm"
echo "exit $?"
ls out
