# merge missing input: nothing is written
xtrace-multi-merge -q -o out nosuch
echo "exit $?"
ls -d out 2>&1
