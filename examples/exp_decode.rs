use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::time::Instant;

#[derive(Deserialize)]
struct List<'a> {
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
}
#[derive(Deserialize)]
struct K<'a> {
    #[serde(borrow)]
    kind: &'a str,
}

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let t = Instant::now();
    let list: List = serde_json::from_str(&text).unwrap();
    println!("split {} items {:?}", list.items.len(), t.elapsed());
    let t = Instant::now();
    let kinds: Vec<&str> = list
        .items
        .iter()
        .map(|i| serde_json::from_str::<K>(i.get()).unwrap().kind)
        .collect();
    println!("kinds {:?}", t.elapsed());
    let t = Instant::now();
    let mut n = 0;
    for i in &list.items {
        let v: serde_json::Value = serde_json::from_str(i.get()).unwrap();
        n += v.as_object().unwrap().len();
    }
    println!("value {:?} {n}", t.elapsed());
    for mode in 0..3 {
        let t = Instant::now();
        let mut unknown = 0;
        for (i, k) in list.items.iter().zip(&kinds) {
            let s = i.get();
            match *k {
                "PersistentVolume" => {
                    decode::<PersistentVolume>(s, mode, &mut unknown);
                }
                "PersistentVolumeClaim" => {
                    decode::<PersistentVolumeClaim>(s, mode, &mut unknown);
                }
                _ => {}
            }
        }
        println!("typed mode {mode} {:?} unknown {unknown}", t.elapsed());
    }
}

fn decode<T: serde::de::DeserializeOwned>(s: &str, mode: u32, unknown: &mut usize) -> T {
    let mut de = serde_json::Deserializer::from_str(s);
    match mode {
        0 => T::deserialize(&mut de).unwrap(),
        1 => serde_ignored::deserialize(&mut de, |_p| *unknown += 1).unwrap(),
        _ => {
            let mut cb = |_p: serde_ignored::Path| *unknown += 1;
            let ig = serde_ignored::Deserializer::new(&mut de, &mut cb);
            serde_path_to_error::deserialize(ig).unwrap()
        }
    }
}
