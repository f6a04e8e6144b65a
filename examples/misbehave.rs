#![no_std]
#![no_main]
verbosel::main!(|_env| 0);
