//! The streaming parser ([`RegionStream`]) gives exactly what the whole-text parsers give,
//! however the input is cut into reads.

use std::io::{self, Read};

use proptest::prelude::*;
use vasmap::model::Region;
use vasmap::read::parse::{CHUNK, RegionStream, StreamError, parse_maps, parse_smaps};

const MAPS: &[u8] = include_bytes!("fixtures/kinds-awkward.maps");
const SMAPS: &[u8] = include_bytes!("fixtures/kinds-awkward.smaps");

/// A reader that hands out its text in reads of the given sizes, in turn, like a
/// seq_file that stops at odd places.
struct Choppy<'a> {
    text: &'a [u8],
    sizes: Vec<usize>,
    turn: usize,
}

impl Read for Choppy<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = self.sizes[self.turn % self.sizes.len()].max(1);
        self.turn += 1;
        let n = want.min(buf.len()).min(self.text.len());
        buf[..n].copy_from_slice(&self.text[..n]);
        self.text = &self.text[n..];
        Ok(n)
    }
}

fn collect<R: Read>(mut s: RegionStream<R>) -> Result<(Vec<Region>, Vec<String>), StreamError> {
    let mut out = Vec::new();
    let mut r = Region::blank();
    while s.next_into(&mut r)? {
        out.push(r.clone());
    }
    Ok((out, s.into_field_names()))
}

#[test]
fn smaps_stream_equals_the_whole_text_parser() {
    let mut names = Vec::new();
    let want = parse_smaps(SMAPS, &mut names).unwrap();
    let (got, got_names) = collect(RegionStream::smaps(SMAPS)).unwrap();
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want);
    assert_eq!(got_names, names);
    assert!(got.iter().any(|r| r.smaps.as_ref().unwrap().rss > 0));
}

#[test]
fn maps_stream_equals_the_whole_text_parser() {
    let want = parse_maps(MAPS).unwrap();
    let (got, names) = collect(RegionStream::maps(MAPS)).unwrap();
    assert_eq!(got, want);
    assert!(names.is_empty());
    assert!(got.iter().all(|r| r.smaps.is_none()));
}

#[test]
fn a_name_longer_than_a_chunk_is_read_whole() {
    let name = format!("/tmp/{}", "n".repeat(3 * CHUNK));
    let text =
        format!("1000-2000 r--p 00000000 fe:00 7 {name}\n3000-4000 rw-p 00000000 00:00 0 \n");
    let (got, _) = collect(RegionStream::maps(text.as_bytes())).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].name, name.as_bytes());
    assert_eq!(got[1].start, 0x3000);
}

#[test]
fn a_last_line_without_newline_still_counts() {
    let (got, _) = collect(RegionStream::maps(&b"1000-2000 r--p 0 00:00 0 "[..])).unwrap();
    assert_eq!(got.len(), 1);
}

#[test]
fn bad_lines_are_errors_with_their_line_number() {
    let text = b"1000-2000 r--p 0 00:00 0 \nRss: 4 kB\n";
    match collect(RegionStream::maps(&text[..])) {
        Err(StreamError::Parse(e)) => assert_eq!(e.line, 2),
        other => panic!("expected a parse error, got {other:?}"),
    }
    let text = b"1000-2000 r--p 0 00:00 0 \nRss: four kB\n";
    match collect(RegionStream::smaps(&text[..])) {
        Err(StreamError::Parse(e)) => assert_eq!(e.line, 2),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn read_errors_are_passed_on() {
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            // ESRCH: what a read of /proc/PID/smaps gives once the process has exited.
            Err(io::Error::from_raw_os_error(3))
        }
    }
    match collect(RegionStream::smaps(Failing)) {
        Err(StreamError::Io(e)) => assert_eq!(e.raw_os_error(), Some(3)),
        other => panic!("expected the read error, got {other:?}"),
    }
}

proptest! {
    #[test]
    fn any_cut_of_the_input_parses_the_same(sizes in prop::collection::vec(1usize..300, 1..8)) {
        let mut names = Vec::new();
        let want = parse_smaps(SMAPS, &mut names).unwrap();
        let reader = Choppy { text: SMAPS, sizes, turn: 0 };
        let (got, _) = collect(RegionStream::smaps(reader)).unwrap();
        prop_assert_eq!(got, want);
    }
}
