//! Compile errors are part of the product: each mistake a user can make has a case here,
//! with the compiler's message in the `.stderr` beside it.

#[test]
fn compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/model/*.rs");
    t.compile_fail("tests/ui/filter/*.rs");
    t.compile_fail("tests/ui/eager/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
