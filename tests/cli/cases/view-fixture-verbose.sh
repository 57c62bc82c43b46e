# view fixture verbose
xtrace-view -v "$DATA/kvm-svm" | sed -n "1p;500p"
