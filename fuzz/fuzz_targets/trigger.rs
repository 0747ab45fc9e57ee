//! The trigger grammar and observed quantities: never a panic; every
//! accepted trigger prints back to text that parses to an equal trigger;
//! error offsets lie on character boundaries of the input.
#![no_main]

use dossier::model::trigger::{self, Comparator, Unit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // First line: a trigger; the rest: an observed value.
    let (trigger_text, observed_text) = text.split_once('\n').unwrap_or((text, text));

    let parsed = trigger::parse_trigger(trigger_text);
    match &parsed {
        Ok(t) => {
            let _ = t.describe();
            let printed = t.to_string();
            let again = trigger::parse_trigger(&printed).unwrap_or_else(|e| {
                panic!("{trigger_text:?} prints as {printed:?}, which fails: {e}")
            });
            assert_eq!(&again, t, "{trigger_text:?} prints as {printed:?}");
        }
        Err(e) => {
            assert!(e.offset <= trigger_text.len(), "{e:?}");
            assert!(trigger_text.is_char_boundary(e.offset), "{e:?}");
        }
    }

    let quantity = trigger::parse_quantity(observed_text);
    match &quantity {
        Ok(q) => {
            assert!(q.value.is_finite());
            let printed = q.to_string();
            let again = trigger::parse_quantity(&printed).unwrap_or_else(|e| {
                panic!("{observed_text:?} prints as {printed:?}, which fails: {e}")
            });
            assert_eq!(&again, q, "{observed_text:?} prints as {printed:?}");
        }
        Err(e) => {
            assert!(observed_text.is_char_boundary(e.offset), "{e:?}");
        }
    }

    if let (Ok(t), Ok(q)) = (&parsed, &quantity) {
        for unit in [
            Unit::Seconds,
            Unit::Percent,
            Unit::Number,
            t.threshold.unit.clone(),
        ] {
            if let Ok(v) = trigger::convert(q, &unit) {
                let _ = t.comparator.holds(v, t.threshold.value);
                if let Some(h) = trigger::headroom(t.comparator, v, t.threshold.value) {
                    assert!(h.is_finite());
                    assert!(t.comparator != Comparator::Eq);
                }
            }
        }
    }
});
