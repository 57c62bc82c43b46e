# view fixture json
xtrace-view -F json "$DATA/kvm-svm" | sed -n "1p"
