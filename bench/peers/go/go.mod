module verbosel.bench/gohello

go 1.19
