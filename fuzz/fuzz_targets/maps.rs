//! Fuzz the `/proc/PID/maps` parser: no input may panic it, and whatever it accepts must
//! print back (in the kernel's format) to text that parses to the same regions.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vasmap::read::parse::{parse_maps, print_maps};

fuzz_target!(|data: &[u8]| {
    if let Ok(regions) = parse_maps(data) {
        let printed = print_maps(&regions);
        let again = parse_maps(&printed).expect("printed maps text parses");
        assert_eq!(again, regions, "parse(print(parse(x))) != parse(x)");
        assert_eq!(print_maps(&again), printed, "printing is not stable");
    }
});
