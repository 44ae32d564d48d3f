"""Providers (issue 13, item 4): the district register, and the arrangement's link to it beside
the old free text, which 0014 turns into records and 0015 removes."""

import django.core.validators
import django.db.models.deletion
import governance.providers
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('governance', '0012_neighbourhood_totals'),
    ]

    operations = [
        # The old text rule goes here, not in 0015: unapplied, 0014 writes the names back into the
        # text before this migration puts the rule back.
        migrations.RemoveConstraint(
            model_name='managementarrangement',
            name='arrangement_professional_has_provider',
        ),
        migrations.CreateModel(
            name='Provider',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120, verbose_name='名称')),
                ('kind', models.CharField(choices=[('market', '市场化物业企业'), ('community_company', '社区公司'), ('party_led', '红色物业（党建引领）'), ('other', '其他单位（自管组织、兜底单位等）')], default='market', max_length=30, verbose_name='类型')),
                ('credit_code', models.CharField(blank=True, max_length=18, validators=[governance.providers.validate_credit_code], verbose_name='统一社会信用代码')),
                ('contact_name', models.CharField(blank=True, max_length=50, verbose_name='联系人')),
                ('contact_phone', models.CharField(blank=True, max_length=20, validators=[django.core.validators.RegexValidator('^[0-9+\\-() ]{5,20}$', '电话号码只能包含数字、空格和 + - ( )。')], verbose_name='联系电话')),
                ('address', models.CharField(blank=True, max_length=200, verbose_name='地址')),
                ('note', models.TextField(blank=True, max_length=2000, verbose_name='备注')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='登记时间')),
            ],
            options={
                'verbose_name': '物业服务单位',
                'verbose_name_plural': '物业服务单位',
                'ordering': ['district_id', 'name', 'id'],
            },
        ),
        migrations.AddField(
            model_name='managementarrangement',
            name='contract_end',
            field=models.DateField(blank=True, null=True, verbose_name='合同结束日期'),
        ),
        migrations.AddField(
            model_name='managementarrangement',
            name='contract_start',
            field=models.DateField(blank=True, null=True, verbose_name='合同开始日期'),
        ),
        migrations.AddField(
            model_name='provider',
            name='district',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='providers', to='governance.district', verbose_name='区'),
        ),
        migrations.AddConstraint(
            model_name='provider',
            constraint=models.UniqueConstraint(fields=('district', 'name'), name='provider_unique_name', violation_error_message='本区已登记同名的物业服务单位。'),
        ),
        migrations.AddConstraint(
            model_name='provider',
            constraint=models.UniqueConstraint(condition=models.Q(('credit_code', ''), _negated=True), fields=('district', 'credit_code'), name='provider_unique_credit_code', violation_error_message='本区已登记该统一社会信用代码的物业服务单位。'),
        ),
        migrations.AddField(
            model_name='managementarrangement',
            name='provider_record',
            field=models.ForeignKey(blank=True, help_text='本区登记的物业公司、社区公司、红色物业或其他管理单位；专业化物业必填。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='governance.provider', verbose_name='管理单位'),
        ),
    ]
