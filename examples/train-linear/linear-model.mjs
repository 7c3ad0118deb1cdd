// The fitted model as a Flowline custom JS model: y = w·x + b, with w and b stored as its model config.
export default class LinearModel {
  loadContext(context) {
    this.w = Number(context.modelConfig.w);
    this.b = Number(context.modelConfig.b);
  }

  predict(_context, rows) {
    return rows.map((row) => this.w * row.x + this.b);
  }
}
