#[test]
fn sizes() {
    use chplan::front::ir::*;
    eprintln!(
        "Column {} Table {} Text {} Span {} DataType {} ColumnDefault {} View {} MV {} Index {} Engine {}",
        size_of::<Column>(),
        size_of::<Table>(),
        size_of::<Text>(),
        size_of::<chplan::front::source::Span>(),
        size_of::<chplan_clickhouse::chtype::DataType>(),
        size_of::<ColumnDefault>(),
        size_of::<View>(),
        size_of::<MaterializedView>(),
        size_of::<Index>(),
        size_of::<Engine>()
    );
}
