# merge same host twice: two recordings of one host name need -n
out=$PWD/out
cd "$DATA" && xtrace-multi-merge -q -o "$out" kvm-svm ./kvm-svm
