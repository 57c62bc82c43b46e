# merge fixture
xtrace-multi-merge -q -o out -n svm="$DATA/kvm-svm" && xtrace-view -t epoch out | md5sum && xtrace-view -t epoch "$DATA/kvm-svm" | md5sum
